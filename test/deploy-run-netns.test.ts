import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {LatencyHistogram} from '../src/common/histogram.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {spawnReady} from '../src/common/ready-line.js'
import {finished} from './support/netns.js'
import {type NamespacedAgentReady, useNamespacedHosts} from './support/netns-agents.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {BIN, runCli} from './support/run-cli.js'

// deploy/kubernetes/*.yaml's imh command lines, run as written on "hosts" of their own (network
// namespaces; plain processes on loopback when they cannot be made, said on the console): pod i's
// args (with $(JOB_COMPLETION_INDEX) = i, $(POD_NAME) = ns-i) in namespace i, the Jobs that need
// no agent of their own on the host, scaled down (--clients, --duration, the target, Redis's
// address, /results) for this small machine.

warnIfNoRedis('test/deploy-run-netns.test.ts')

type Container = {args: string[]}
const manifest = (file: string): any => parse(readFileSync(new URL(`../deploy/kubernetes/${file}`, import.meta.url), 'utf8').split(/^---$/m).find((d) => /^kind: (Deployment|Job)$/m.test(d))!)
const container = (file: string): Container => manifest(file).spec.template.spec.containers[0]
const completions = (): number => manifest('shards-indexed-job.yaml').spec.completions
const replicas = (): number => manifest('agents.yaml').spec.replicas

interface Scale {target: string; dir: string; clients: number; duration: string; redis?: string}

/** The args of pod `index`, scaled down and pointed at this test's target and Redis, results in `dir`. */
function podArgs(args: readonly string[], index: number, o: Scale): string[] {
  const out = args.map((a) => a.replaceAll('$(JOB_COMPLETION_INDEX)', String(index)).replaceAll('$(POD_NAME)', `ns-${index}`).replace(/^\/results\//, `${o.dir}/`).replace(/^redis:\/\/imh-redis:6379$/, o.redis ?? a))
  const set = (flag: string, value: string): void => {
    expect(out, `the Job sets ${flag}`).toContain(flag)
    out[out.indexOf(flag) + 1] = value
  }
  if (out.includes('--target')) set('--target', o.target)
  if (out.includes('--clients')) set('--clients', String(o.clients))
  if (out.includes('--duration')) set('--duration', o.duration)
  return out
}

describe.runIf(redisTests)('the manifests\' imh command lines, run as written', () => {
  const n = completions()
  const hosts = useNamespacedHosts(Math.max(n, replicas()))

  it(`${n} shards, one per namespace, merge into the whole run: counts are sums, percentiles those of the union`, async () => {
    const {set, dir} = hosts
    const o = {target: hosts.server.urls.scheduler, dir, clients: 4 * n, duration: '4s'}
    const shard = container('shards-indexed-job.yaml')
    const runs = await Promise.all(set.namespaces.slice(0, n).map((ns, i) => {
      const args = [...podArgs(shard.args, i, o), '--workers', '1']
      return finished(ns.exec(process.execPath, [BIN, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}}), 90_000)
    }))
    // A loaded machine may fail chat's thresholds; the shard's run itself must not fail.
    for (const r of runs) expect([0, 99], r.stdout + r.stderr).toContain(r.code)
    const shards = Array.from({length: n}, (_, i) => JSON.parse(readFileSync(join(dir, `shard-${i}.json`), 'utf8')) as ResultsJson)
    expect(shards.map((s) => s.meta.shard)).toEqual(shards.map((_, i) => ({index: i, count: n})))

    const merge = podArgs(container('merge-job.yaml').args, 0, o)
    const r = await runCli(merge, 60_000)
    expect([0, 99], r.stdout + r.stderr).toContain(r.code)
    const all = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8')) as ResultsJson
    expect(all.meta.shard).toEqual({count: n, present: Array.from({length: n}, (_, i) => i)})
    // Every client of every shard connected once: the shards are the profile's clients, split.
    expect(all.metrics.connect!.count).toBe(o.clients)
    for (const s of shards) expect(s.metrics.connect!.count).toBe(o.clients / n)
    for (const c of ['sent', 'acked', 'delivered']) expect(all.counters[c], c).toBe(shards.reduce((sum, s) => sum + (s.counters[c] ?? 0), 0))
    for (const [name, metric] of Object.entries(all.metrics)) {
      const union = new LatencyHistogram()
      for (const s of shards) if (s.metrics[name]) union.add(LatencyHistogram.decode(s.metrics[name]!.histogram))
      expect(union.count, name).toBe(metric.count)
      expect(union.percentile(99), `${name} p99`).toBe(metric.p99)
    }
  }, 150_000)

  it('the agents Deployment\'s pods and the coordinator Job: one distributed run over every replica', async () => {
    const {set, dir, redis} = hosts
    const o: Scale = {target: hosts.server.urls.scheduler, dir, clients: 12, duration: '4s', redis: redis.url}
    const agentArgs = podArgs(container('agents.yaml').args, 0, o)
    expect(agentArgs.slice(0, 3)).toEqual(['agent', '--redis', redis.url])
    const agents = await Promise.all(Array.from({length: replicas()}, (_, i) => {
      const ns = set.namespaces[i]!
      return spawnReady<NamespacedAgentReady>(BIN, podArgs(container('agents.yaml').args, i, o), {what: `agent pod ${i}`, timeoutMs: 30_000, spawn: (c, a, opts) => ns.exec(c, a, opts)})
    }))
    try {
      const r = await runCli(podArgs(container('coordinator-job.yaml').args, 0, o), 90_000)
      expect([0, 99], r.stdout + r.stderr).toContain(r.code)
      const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsJson
      expect(doc.meta.agents!.map((a) => a.id).sort()).toEqual(agents.map((a) => a.ready.id).sort())
      expect(doc.metrics.connect!.count).toBe(o.clients)
    } finally {
      await Promise.all(agents.map((a) => a.close()))
    }
  }, 150_000)
})
