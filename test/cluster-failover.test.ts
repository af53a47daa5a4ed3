import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {spawnReady} from '../src/common/ready-line.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import type {GroupReadyLine} from '../reference-server/cluster/node-group.js'
import {linksUp} from './support/links-up.js'
import {redisTests, useRedis, warnIfNoRedis} from './support/redis.js'
import {BIN, runCli} from './support/run-cli.js'

warnIfNoRedis('the kill-a-node fail-over test')

const dir = mkdtempSync(join(tmpdir(), 'imh-failover-'))
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/**
 * Issue 13's fault test: a long-link node of a three-node group is SIGKILLed in the middle of
 * `imh load --profile chat`. Its clients win their links back on the other nodes (back-off, fresh
 * look-up, AUTH with the same token, SYNC from their keys), and the run's ledger shows every
 * acknowledged message delivered, none twice, none out of order.
 */
describe.runIf(redisTests)('a node of a group killed under chat load (PROTOCOL.md §2.5)', () => {
  const redis = useRedis()

  it('loses no acknowledged message, delivers none twice or out of order, and reports the reconnections', async () => {
    const serve = await spawnReady<GroupReadyLine>(BIN, ['serve', '--redis', redis.current.url, '--nodes', '3', '--flows', 'core'], {what: 'imh serve --nodes 3'})
    closers.push(() => serve.close())
    const [first, victim] = serve.ready.nodes
    const out = join(dir, 'chat-failover.json')
    const run = runCli(['load', '--profile', 'chat', '--clients', '60', '--rate', '30', '--duration', '20s', '--target', first!.scheduler, '--workers', '2', '--out', out, '--quiet'], 150_000)
    // Mid-run: the scheduler spread the clients; once the victim holds its share and they have
    // chatted for 3 s, it dies without a word.
    expect(await linksUp(victim!.long, 8, 60_000)).toBeGreaterThanOrEqual(8)
    await new Promise((r) => setTimeout(r, 3000))
    process.kill(victim!.pid, 'SIGKILL')
    const r = await run
    expect(r.stderr).not.toMatch(/at .+\.js:\d+/)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    const c = j.counters
    const facts = JSON.stringify({counters: c, errors: j.errors})
    expect(c.acked, facts).toBeGreaterThan(200)
    expect(c.reconnects, facts).toBeGreaterThanOrEqual(8)
    expect(c.lost, facts).toBe(0)
    expect(c.duplicates, facts).toBe(0)
    expect(c.reordered, facts).toBe(0)
    // Delivered may exceed acknowledged: a message stored just before the kill whose reply died with the node.
    expect(c.delivered!, facts).toBeGreaterThanOrEqual(c.acked!)
    expect(j.metrics.reconnect_time?.count, facts).toBeGreaterThanOrEqual(8)
    expect(j.metrics.resync_time?.count, facts).toBeGreaterThanOrEqual(8)
  }, 180_000)
})
