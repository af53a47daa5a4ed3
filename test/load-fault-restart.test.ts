import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {type ReadyChild, spawnReady} from '../src/common/ready-line.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import type {ReadyLine} from '../reference-server/run-until-signal.js'
import {linksUp} from './support/links-up.js'
import {BIN, runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-fault-'))
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/**
 * `imh serve --port base` on a base below the ephemeral range (so no client socket holds one of
 * its ports when the server comes back), trying other bases while one is taken. The restarted
 * server must come back on the same ports: the clients reconnect to the addresses they resolved.
 */
async function serveAt(base: number | undefined, attempts = 12): Promise<{serve: ReadyChild<ReadyLine>; base: number}> {
  let last: unknown
  for (let i = 0; i < attempts; i++) {
    const port = base ?? 20_000 + Math.floor(Math.random() * 12_000)
    try {
      return {serve: await spawnReady<ReadyLine>(BIN, ['serve', '--port', String(port), '--flows', 'core'], {what: 'imh serve'}), base: port}
    } catch (err) {
      last = err
      // The same base again (a restart): the killed server's ports may need a moment to free.
      if (base !== undefined) await new Promise((r) => setTimeout(r, 250))
    }
  }
  throw last
}

describe('imh load against an imh serve killed and restarted mid-run', () => {
  it('counts every acknowledged message delivered or lost, none of them twice', async () => {
    const first = await serveAt(undefined)
    let serve = first.serve
    closers.push(() => serve.close())
    const out = join(dir, 'chat-fault.json')
    const run = runCli(['load', '--profile', 'chat', '--clients', '40', '--rate', '40', '--duration', '16s', '--target', serve.ready.scheduler, '--workers', '2', '--out', out, '--quiet'], 120_000)
    // Mid-run (every client linked, then 3 s of chat): the server dies without a word, forgetting
    // users, inboxes and undelivered messages.
    expect(await linksUp(serve.ready.long, 40, 60_000)).toBeGreaterThanOrEqual(40)
    await new Promise((r) => setTimeout(r, 3000))
    const gone = new Promise((r) => serve.child.once('exit', r))
    serve.child.kill('SIGKILL')
    await gone
    serve = (await serveAt(first.base)).serve
    const r = await run
    expect(r.stderr).not.toMatch(/at .+\.js:\d+/) // no stack trace
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    const c = j.counters
    // The clients lost their links and came back: both lives sent and were acknowledged.
    expect(c.acked, JSON.stringify(c)).toBeGreaterThan(100)
    expect(c.delivered).toBeGreaterThan(100)
    expect(Object.values(j.errors).reduce((a, b) => a + b, 0), 'errors by code').toBeGreaterThan(0)
    // The one promise: what was acknowledged was delivered once or counted lost.
    expect(c.lost, JSON.stringify(c)).toBe(c.acked! - c.delivered!)
    expect(c.duplicates, JSON.stringify({counters: c, errors: j.errors})).toBe(0)
  }, 150_000)
})
