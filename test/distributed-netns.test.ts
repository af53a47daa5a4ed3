import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../src/common/histogram.js'
import {startNamespacedAgents, useNamespacedHosts} from './support/netns-agents.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {runCli} from './support/run-cli.js'
import {until} from './support/until.js'

// Issue 15 item 5: the distributed run tested as several hosts. Three agents, each in a network
// namespace of its own (test/support/netns.ts; plain processes on loopback when namespaces cannot
// be made, said on the console), Redis and the target server on the host side, the coordinator
// on the host.
warnIfNoRedis('test/distributed-netns.test.ts')

const AGENT_LOST = 4

describe.runIf(redisTests)('a distributed run over three namespaced agents', () => {
  const hosts = useNamespacedHosts(3)

  it('passes its thresholds; every agent took part; the counts add up', async () => {
    const prefix = 'dist-ok:'
    const agents = await startNamespacedAgents(3, hosts.redis.url, {set: hosts.set, redisPrefix: prefix})
    try {
      const out = join(hosts.dir, 'ok.json')
      const r = await runCli(['load', 'smoke', '--distributed', '--redis', hosts.redis.url, '--redis-prefix', prefix, '--agents', '3', '--target', hosts.server.urls.scheduler, '--quiet', '--out', out], 90_000)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      const results = JSON.parse(readFileSync(out, 'utf8'))
      expect(results.ok).toBe(true)
      expect(results.meta.agents.map((a: {id: string}) => a.id).sort()).toEqual(['ns-0', 'ns-1', 'ns-2'])
      const c = results.counters
      expect(c.sent).toBeGreaterThan(0)
      expect(c.delivered).toBe(c.sent)
      expect(c.lost).toBe(0)
      expect(c.duplicates).toBe(0)
      expect(results.metrics.sync_latency.count).toBe(c.delivered)
      // Each agent's part adds up to the run: counts, and every latency metric's histogram exactly.
      const parts = results.meta.agents as Array<{id: string; counters: Record<string, number>; metrics: Record<string, {count: number; histogram: string}>}>
      for (const counter of ['sent', 'acked', 'delivered', 'errors']) {
        expect(parts.reduce((sum, a) => sum + (a.counters[counter] ?? 0), 0), counter).toBe(c[counter] ?? 0)
      }
      expect(parts.filter((a) => (a.counters.sent ?? 0) > 0)).toHaveLength(3)
      for (const [name, metric] of Object.entries(results.metrics as Record<string, {count: number; p50: number; p99: number; max: number}>)) {
        const union = new LatencyHistogram()
        for (const a of parts) if (a.metrics[name]) union.add(LatencyHistogram.decode(a.metrics[name]!.histogram))
        expect(union.count, name).toBe(metric.count)
        expect(union.percentile(99), `${name} p99`).toBe(metric.p99)
        expect(union.percentile(50), `${name} p50`).toBe(metric.p50)
        expect(union.max, `${name} max`).toBe(metric.max)
      }
    } finally {
      expect(await agents.stop()).toEqual([0, 0, 0])
    }
  })

  it('killing one agent during the run fails it with exit code 4, naming that agent', async () => {
    const prefix = 'dist-kill:'
    const agents = await startNamespacedAgents(3, hosts.redis.url, {set: hosts.set, redisPrefix: prefix})
    try {
      const doomed = agents.agents[1]!.child
      let out = ''
      doomed.stdout!.on('data', (d) => (out += d))
      const running = runCli(['load', 'smoke', '--distributed', '--redis', hosts.redis.url, '--redis-prefix', prefix, '--agents', '3', '--target', hosts.server.urls.scheduler, '--duration', '20s'], 90_000)
      // Once its share is under way (its job-start line, then 2 s), ns-1 dies.
      await until(() => out.includes('"job-start"'), 30_000)
      await new Promise((r) => setTimeout(r, 2000))
      doomed.kill('SIGKILL')
      const r = await running
      expect(r.code, r.stdout + r.stderr).toBe(AGENT_LOST)
      expect(r.stdout + r.stderr).toContain('ns-1')
    } finally {
      await agents.stop()
    }
  })
})
