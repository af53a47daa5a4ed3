import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../common/histogram.js'
import {formatComparisonMarkdown, formatComparisonText} from './compare-report.js'
import {compareRuns} from './compare-runs.js'
import {resultsWith, seededLatencies, seededRun} from '../../../test/support/results-fixtures.js'
import {parseRegressionLimit} from './regression-limit.js'

const p99 = [parseRegressionLimit('sync_latency:p(99)=+10%')]

describe('compareRuns', () => {
  it('identical runs pass every limit', () => {
    const run = resultsWith({latencies: {sync_latency: seededLatencies(1, 20_000)}, counters: {errors: 0, sent: 100}})
    const c = compareRuns(run, run, {limits: [...p99, parseRegressionLimit('errors:+0'), parseRegressionLimit('sent:-5%')]})
    expect(c.ok).toBe(true)
    expect(c.judgements.map((j) => j.verdict)).toEqual(['within', 'within', 'within'])
  })

  it('a run whose latencies shifted by 30% fails p(99)=+10%', () => {
    const base = resultsWith({latencies: {sync_latency: seededLatencies(1, 20_000)}})
    const cand = resultsWith({latencies: {sync_latency: seededLatencies(2, 20_000, 5, 1.3)}})
    const c = compareRuns(base, cand, {limits: p99})
    expect(c.judgements[0]).toMatchObject({verdict: 'regressed'})
    expect(c.ok).toBe(false)
    expect(c.judgements[0]!.message).toContain('99% intervals')
  })

  it('two noisy runs of the same build (seeded, 2,000 samples each) pass, whatever the seeds', () => {
    // Small runs: their p99s differ by chance, sometimes past +10%, and must not fail the build.
    let noisy = 0
    for (let seed = 1; seed <= 30; seed++) {
      const c = compareRuns(resultsWith({latencies: {sync_latency: seededLatencies(seed, 2_000)}}), resultsWith({latencies: {sync_latency: seededLatencies(seed + 100, 2_000)}}), {limits: p99})
      expect(c.ok, `seeds ${seed} and ${seed + 100}: ${c.judgements[0]!.message}`).toBe(true)
      if (c.judgements[0]!.verdict === 'worse-within-noise') noisy++
    }
    // The point estimate alone would have failed some of these builds.
    expect(noisy).toBeGreaterThan(0)
  })

  it('per second: a 30% shift in every second regresses; the same build with a few slow seconds (a busy machine) does not', () => {
    const run = (seed: number, o: {scale?: number; slow?: number[]}) => {
      const r = seededRun(seed, {seconds: 20, perSecond: 1000, ...o})
      return resultsWith({latencies: {sync_latency: r.histogram}, timeSeries: r.timeSeries})
    }
    const base = run(1, {})
    const shifted = compareRuns(base, run(2, {scale: 1.3}), {limits: p99})
    expect(shifted.judgements[0]).toMatchObject({verdict: 'regressed'})
    expect(shifted.judgements[0]!.message).toMatch(/per-second p99 of 20 and 20 seconds: Mann–Whitney z \d/)
    // Three seconds four times slower: the run's p99 is far past +10%, beyond its sampling interval.
    const bursty = compareRuns(base, run(3, {slow: [4, 11, 17]}), {limits: p99})
    expect(bursty.judgements[0]!.candidate.value).toBeGreaterThan(bursty.judgements[0]!.allowed)
    expect(bursty.judgements[0]).toMatchObject({verdict: 'worse-within-noise'})
    expect(bursty.judgements[0]!.message).toContain('not in most seconds')
    expect(bursty.ok).toBe(true)
  })

  it('a metric without samples in a run fails its limit (nothing shows it did not regress)', () => {
    const base = resultsWith({latencies: {sync_latency: seededLatencies(1, 1000)}})
    const cand = resultsWith({latencies: {sync_latency: new LatencyHistogram()}})
    const c = compareRuns(base, cand, {limits: p99})
    expect(c.judgements[0]).toMatchObject({verdict: 'no-data'})
    expect(c.ok).toBe(false)
  })

  it('counters are judged exactly by their allowance, in the direction the limit names', () => {
    const base = resultsWith({counters: {errors: 2, http_reqs: 1000}})
    const more = resultsWith({counters: {errors: 3, http_reqs: 940}})
    const c = compareRuns(base, more, {limits: [parseRegressionLimit('errors:+0'), parseRegressionLimit('errors:+1'), parseRegressionLimit('http_reqs:-5%'), parseRegressionLimit('http_reqs:-10%')]})
    expect(c.judgements.map((j) => j.verdict)).toEqual(['regressed', 'within', 'regressed', 'within'])
  })

  it('refuses runs of different profiles unless told to compare them anyway', () => {
    const a = resultsWith({profile: 'chat'})
    const b = resultsWith({profile: 'mixed'})
    expect(() => compareRuns(a, b, {limits: []})).toThrow(expect.objectContaining({code: 'IMH_ERR_COMPARE_MISMATCH'}))
    expect(compareRuns(a, b, {limits: [], anyProfile: true}).ok).toBe(true)
  })

  it('lists latencies, counters, errors by code and both runs\' thresholds side by side', () => {
    const base = resultsWith({latencies: {sync_latency: seededLatencies(1, 1000)}, counters: {sent: 10}, errors: {IMH_ERR_TIMEOUT: 1}, thresholds: [{metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 12, abortOnFail: false}]})
    const cand = resultsWith({latencies: {sync_latency: seededLatencies(2, 1000), heartbeat_rtt: seededLatencies(3, 10)}, counters: {sent: 12}, thresholds: [{metric: 'sync_latency', expression: 'p(99)<50', ok: false, actual: 60, abortOnFail: false}]})
    const c = compareRuns(base, cand, {limits: p99})
    expect(c.latencies.map((r) => r.metric).sort()).toEqual(['heartbeat_rtt', 'sync_latency'])
    expect(c.counters).toContainEqual({name: 'errors{IMH_ERR_TIMEOUT}', baseline: 1, candidate: 0})
    expect(c.thresholds).toEqual([{metric: 'sync_latency', expression: 'p(99)<50', baseline: true, candidate: false}])
    const text = formatComparisonText(c)
    expect(text).toMatch(/sync_latency\s+count\s+1000\s+1000\s+=/)
    expect(text).toMatch(/heartbeat_rtt\s+count\s+-\s+10\s+new/)
    expect(text).toMatch(/sync_latency p\(99\)<50\s+pass\s+FAIL/)
    const md = formatComparisonMarkdown(c)
    expect(md).toContain('| limit | baseline | candidate | allowed | verdict |')
    expect(md).toContain('| sync_latency p(99)<50 | pass | FAIL |')
  })
})
