import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {LatencyHistogram} from '../src/common/histogram.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {oneLine, runCli} from './support/run-cli.js'

// Two shards of one smoke run, with different worker counts, against ONE reference server, then
// merged offline: the merge must be the sum of its parts and its percentiles those of the union.
const dir = mkdtempSync(join(tmpdir(), 'imh-merge-'))
const files = [join(dir, 'shard-0.json'), join(dir, 'shard-1.json')]
const read = (file: string): ResultsJson => JSON.parse(readFileSync(file, 'utf8')) as ResultsJson
let server: ReferenceServer
let shards: ResultsJson[]

beforeAll(async () => {
  server = await startReferenceServer({host: '127.0.0.1', port: 0})
  const shard = (i: number, workers: number) =>
    runCli(['load', 'smoke', '--shard', `${i}/2`, '--workers', String(workers), '--target', server.urls.scheduler, '--quiet', '--out', files[i]!], 90_000)
  const runs = await Promise.all([shard(0, 1), shard(1, 2)])
  // A loaded machine may fail the smoke thresholds; the run itself must not fail.
  for (const r of runs) expect([0, 99], r.stderr).toContain(r.code)
  shards = files.map(read)
}, 120_000)

afterAll(async () => {
  await server?.close()
})

describe('imh load --shard and imh merge', () => {
  it('runs each shard as its part of the profile, recorded in meta.shard', () => {
    expect(shards.map((s) => s.meta.shard)).toEqual([{index: 0, count: 2}, {index: 1, count: 2}])
    expect(shards.map((s) => s.meta.workers)).toEqual([1, 2])
    // 10 clients split 5 + 5, each shard's pairs inside it: every shard delivered its own messages.
    for (const s of shards) {
      expect(s.metrics.connect!.count).toBe(5)
      expect(s.joined?.lost).toHaveLength(s.meta.workers)
    }
    // On a loaded machine a shard's clients may log in late; the two together must have chatted.
    expect(shards[0]!.counters.sent! + shards[1]!.counters.sent!).toBeGreaterThan(0)
  })

  it('merges exactly: counts are the sums, percentiles those of the union of the histograms, thresholds judged again', async () => {
    const out = join(dir, 'all.json')
    const r = await runCli(['merge', ...files, '--out', out])
    const merged = read(out)
    expect(r.code, r.stderr).toBe(merged.thresholds.every((t) => t.ok) ? 0 : 99)
    expect(r.stdout).toContain('imh load — smoke')
    expect(r.stdout).toMatch(/thresholds\n {2}[✓✗] sync_latency p\(99\)<1000/)
    expect(merged.meta.shard).toEqual({count: 2, present: [0, 1]})
    for (const [name, n] of Object.entries(merged.counters)) {
      if (name === 'lost') continue
      expect(n, name).toBe(shards.reduce((sum, s) => sum + (s.counters[name] ?? 0), 0))
    }
    // Pairs stay inside a shard: the join over both shards' reports is each shard's lost added.
    expect(merged.counters.lost).toBe(shards[0]!.counters.lost! + shards[1]!.counters.lost!)
    expect(merged.joined?.lost).toHaveLength(3)
    const names = new Set(shards.flatMap((s) => Object.keys(s.metrics)))
    expect(names).toContain('connect')
    for (const name of names) {
      const union = new LatencyHistogram()
      for (const s of shards) if (s.metrics[name]) union.add(LatencyHistogram.decode(s.metrics[name]!.histogram))
      const mine = LatencyHistogram.decode(merged.metrics[name]!.histogram)
      expect(mine.count, name).toBe(union.count)
      for (const q of [50, 90, 99, 99.9, 100]) expect(mine.percentile(q), `${name} p(${q})`).toBe(union.percentile(q))
      expect(merged.metrics[name]!.p99).toBe(Math.round(union.percentile(99) * 1000) / 1000)
    }
    const p99 = merged.thresholds.find((t) => t.metric === 'sync_latency')!
    expect(p99.actual).toBe(merged.metrics.sync_latency ? LatencyHistogram.decode(merged.metrics.sync_latency.histogram).percentile(99) : null)
    const seconds = new Set(shards.flatMap((s) => s.timeSeries.map((t) => t.second)))
    expect(merged.timeSeries.map((t) => t.second)).toEqual([...seconds].sort((a, b) => a - b))
    expect(merged.timeSeries.reduce((n, t) => n + (t.counters.sent ?? 0), 0)).toBe(shards.reduce((n, s) => n + s.timeSeries.reduce((m, t) => m + (t.counters.sent ?? 0), 0), 0))
  })

  it('exits 99 when a --threshold fails on the merge', async () => {
    const r = await runCli(['merge', ...files, '--threshold', 'sent:count<1'])
    expect(r.code).toBe(99)
    expect(r.stdout).toMatch(/✗ sent count<1 \(actual \d+\)/)
  })

  it('warns about a missing shard and says in meta.shard which are present', async () => {
    const out = join(dir, 'half.json')
    const r = await runCli(['merge', files[1]!, '--out', out])
    expect([0, 99]).toContain(r.code)
    expect(r.stderr).toContain('warning: shard 0 of 2 missing: the merge holds only shard 1 (meta.shard.present)')
    expect(read(out).meta.shard).toEqual({count: 2, present: [1]})
  })

  it('refuses files that are not shards of one run with IMH_ERR_MERGE_MISMATCH and exit 2, without a stack trace', async () => {
    const other = join(dir, 'other.json')
    writeFileSync(other, JSON.stringify({...shards[1]!, meta: {...shards[1]!.meta, profile: 'chat'}}))
    const wrongCount = join(dir, 'of-three.json')
    writeFileSync(wrongCount, JSON.stringify({...shards[1]!, meta: {...shards[1]!.meta, shard: {index: 1, count: 3}}}))
    const cases: Array<[string[], string]> = [
      [[files[0]!, other], `IMH_ERR_MERGE_MISMATCH: ${other} is a run of profile chat, ${files[0]} of profile smoke: not shards of one run`],
      [[files[0]!, files[0]!], `IMH_ERR_MERGE_MISMATCH: ${files[0]} and ${files[0]} both hold shard 0/2`],
      [[files[0]!, wrongCount], `IMH_ERR_MERGE_MISMATCH: ${wrongCount} is a shard of 3, ${files[0]} of 2: not shards of one run`],
    ]
    for (const [args, sentence] of cases) {
      const r = await runCli(['merge', ...args])
      expect(r.code, r.stderr).toBe(2)
      expect(oneLine(r.stderr)).toContain(sentence)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('refuses an unreadable or invalid file with IMH_ERR_RESULTS_INVALID and exit 2', async () => {
    const junk = join(dir, 'junk.json')
    writeFileSync(junk, '{not json')
    for (const [file, why] of [[junk, 'is not JSON'], [join(dir, 'absent.json'), 'cannot be read (ENOENT)']] as const) {
      const r = await runCli(['merge', files[0]!, file])
      expect(r.code).toBe(2)
      expect(oneLine(r.stderr)).toContain(`IMH_ERR_RESULTS_INVALID: ${file}: ${why}`)
    }
  })

  it('refuses a bad --shard before anything starts', async () => {
    const r = await runCli(['load', 'smoke', '--shard', '2/2', '--target', server.urls.scheduler])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toContain('IMH_ERR_INVALID_OPTION: --shard must be INDEX/COUNT')
  })
})
