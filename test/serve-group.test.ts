import {afterEach, describe, expect, it} from 'vitest'
import {type ReadyChild, spawnReady} from '../src/common/ready-line.js'
import type {GroupReadyLine} from '../reference-server/cluster/node-group.js'
import {BIN, oneLine, runCli} from './support/run-cli.js'
import {redisTests, useRedis, warnIfNoRedis} from './support/redis.js'

warnIfNoRedis('imh serve --nodes')

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function longList(scheduler: string): Promise<string[]> {
  const answer = (await (await fetch(`${scheduler}?clientId=group-test`)).json()) as {groups: {long: string[]}}
  return [...answer.groups.long].sort()
}

describe.runIf(redisTests)('imh serve --redis --nodes (PROTOCOL.md §2.5)', () => {
  const redis = useRedis()

  it('starts every node, lists them in one ready line and every scheduler; a killed node is reported and leaves the answer', async () => {
    const serve: ReadyChild<GroupReadyLine> = await spawnReady<GroupReadyLine>(BIN, ['serve', '--redis', redis.current.url, '--redis-prefix', 'g1:', '--nodes', '3', '--flows', 'core'], {what: 'imh serve --nodes 3'})
    closers.push(() => serve.close())
    const lines: string[] = []
    serve.child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n')))
    const {nodes} = serve.ready
    expect(nodes).toHaveLength(3)
    expect(new Set(nodes.map((n) => n.pid)).size).toBe(3)
    // WebSocket addresses first, then the same nodes' stream addresses (PROTOCOL.md §2.2).
    expect(serve.ready.groups.long).toEqual([...nodes.map((n) => n.long), ...nodes.map((n) => n.longTcp)])
    const all = nodes.flatMap((n) => [n.long, n.longTcp]).sort()
    // Each scheduler reads the others' reports within a second.
    for (const n of nodes) await expect.poll(() => longList(n.scheduler), {timeout: 4000}).toEqual(all)

    process.kill(nodes[1]!.pid, 'SIGKILL')
    await expect.poll(() => lines.map((l) => JSON.parse(l) as {event: string; signal?: string}).find((l) => l.event === 'node-exited'), {timeout: 4000}).toMatchObject({signal: 'SIGKILL'})
    // Dropped once its report expires (3 s), though it never said goodbye.
    await expect.poll(() => longList(nodes[0]!.scheduler), {timeout: 8000, interval: 250}).toEqual([nodes[0]!.long, nodes[0]!.longTcp, nodes[2]!.long, nodes[2]!.longTcp].sort())

    await serve.close()
    expect(lines.map((l) => JSON.parse(l) as {event: string}).at(-1)).toEqual({event: 'stopped', signal: 'SIGTERM'})
    await expect.poll(() => nodes.filter((n) => alive(n.pid)).length).toBe(0)
  }, 40_000)

  it('serves Prometheus metrics on every node, the Redis round trip among them', async () => {
    const serve = await spawnReady<GroupReadyLine>(BIN, ['serve', '--redis', redis.current.url, '--redis-prefix', 'g2:', '--nodes', '2', '--metrics', '127.0.0.1:0'], {what: 'imh serve --nodes 2 --metrics'})
    closers.push(() => serve.close())
    const urls = serve.ready.nodes.map((n) => n.metrics!)
    expect(new Set(urls).size).toBe(2)
    for (const url of urls) {
      const text = await (await fetch(url)).text()
      expect(text).toMatch(/^imh_server_redis_rtt_seconds \d/m)
      expect(text).toMatch(/^imh_server_long_connections 0$/m)
    }
  }, 30_000)

  it('refuses --nodes without --redis, and says which Redis it could not reach', async () => {
    const noRedis = await runCli(['serve', '--nodes', '2'])
    expect(noRedis.code).toBe(2)
    expect(oneLine(noRedis.stderr)).toContain('--nodes 2 needs --redis')
    const unreachable = await runCli(['serve', '--redis', 'redis://127.0.0.1:1', '--nodes', '2'])
    expect(unreachable.code).toBe(1)
    expect(oneLine(unreachable.stderr)).toContain('IMH_ERR_REDIS_UNREACHABLE: cannot reach Redis at redis://127.0.0.1:1')
    for (const r of [noRedis, unreachable]) expect(r.stderr).not.toMatch(/at .+\.js:\d+/)
  }, 30_000)
})
