import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {LatencyHistogram} from '../src/common/histogram.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {type NamespaceSet, createNamespaces, finished} from './support/netns.js'
import {BIN, runCli} from './support/run-cli.js'

// deploy/kubernetes/shards-indexed-job.yaml and merge-job.yaml, run as written on "hosts" of their
// own: pod i's args (with $(JOB_COMPLETION_INDEX) = i) in namespace i, the merge Job's on the
// host, scaled down (--clients, --duration, the target, /results) and --workers 1 added for this
// small machine. Plain processes on loopback when namespaces cannot be made (said on the console).

type Container = {args: string[]}
const container = (file: string): Container => parse(readFileSync(new URL(`../deploy/kubernetes/${file}`, import.meta.url), 'utf8')).spec.template.spec.containers[0]
const completions = (): number => parse(readFileSync(new URL('../deploy/kubernetes/shards-indexed-job.yaml', import.meta.url), 'utf8')).spec.completions

/** The Job's args for pod `index`, scaled down and pointed at `target`, results in `dir`. */
function podArgs(args: readonly string[], index: number, o: {target: string; dir: string; clients: number; duration: string}): string[] {
  const out = args.map((a) => a.replaceAll('$(JOB_COMPLETION_INDEX)', String(index)).replace(/^\/results\//, `${o.dir}/`))
  const set = (flag: string, value: string): void => {
    expect(out, `the Job sets ${flag}`).toContain(flag)
    out[out.indexOf(flag) + 1] = value
  }
  if (out.includes('--target')) set('--target', o.target)
  if (out.includes('--clients')) set('--clients', String(o.clients))
  if (out.includes('--duration')) set('--duration', o.duration)
  return out
}

describe('the Indexed Job of offline shards and the merge Job, run as their manifests say', () => {
  const n = completions()
  let set: NamespaceSet
  let server: ReferenceServer
  let dir: string
  beforeAll(async () => {
    set = await createNamespaces(n)
    server = await startReferenceServer({host: set.hubAddress, flows: ['core'], limits: {passwordCost: 4}})
    dir = mkdtempSync(join(tmpdir(), 'imh-deploy-shards-'))
  })
  afterAll(async () => {
    await server?.close()
    await set?.cleanup()
    rmSync(dir, {recursive: true, force: true})
  })

  it(`${n} shards, one per namespace, merge into the whole run: counts are sums, percentiles those of the union`, async () => {
    const o = {target: server.urls.scheduler, dir, clients: 4 * n, duration: '4s'}
    const shard = container('shards-indexed-job.yaml')
    const runs = await Promise.all(set.namespaces.map((ns, i) => {
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
})
