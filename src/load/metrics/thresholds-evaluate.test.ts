import {describe, expect, it} from 'vitest'
import type {ThresholdOutcome, ThresholdSpec} from '../types.js'
import {MetricsAggregate, MetricsRecorder} from './registry.js'
import {evaluateThresholds, shouldAbort} from './thresholds.js'

function spec(metric: string, ...sources: string[]): ThresholdSpec {
  return {metric, expressions: sources.map((source) => ({source, abortOnFail: false, delayAbortEvalMs: 0}))}
}

describe('evaluateThresholds', () => {
  // 100 samples of 0.01..1 ms over 10 s: below 2.048 ms the histogram is exact to the µs, so
  // operator edges can be tested exactly. sent = 50; errors never touched (always reported).
  function aggregate(): MetricsAggregate {
    const r = new MetricsRecorder()
    for (let k = 1; k <= 100; k++) r.trend('sync_latency', k / 100)
    r.add('sent', 50)
    r.add('http_reqs', 20)
    const agg = new MetricsAggregate()
    agg.addDelta(r.takeDelta())
    // What the coordinator does at the end of a chat run: 0 lost, 0 duplicates are observations.
    agg.set('lost', 0)
    agg.set('duplicates', 0)
    return agg
  }
  const ELAPSED = 10_000

  function one(metric: string, source: string, final = true): ThresholdOutcome {
    const [outcome] = evaluateThresholds([spec(metric, source)], aggregate(), ELAPSED, {final})
    return outcome!
  }

  it.each([
    // trend aggregations (ms)
    ['sync_latency', 'p(99)<=0.99', 0.99, true],
    ['sync_latency', 'p(99)<0.99', 0.99, false],
    ['sync_latency', 'p(50)==0.5', 0.5, true],
    ['sync_latency', 'p(99.9)>0.99', 1, true],
    ['sync_latency', 'med===0.5', 0.5, true],
    ['sync_latency', 'avg>0.5', 0.505, true],
    ['sync_latency', 'avg<0.5', 0.505, false],
    ['sync_latency', 'min>=0.01', 0.01, true],
    ['sync_latency', 'min>0.01', 0.01, false],
    ['sync_latency', 'max!=1', 1, false],
    ['sync_latency', 'max!=0.99', 1, true],
    ['sync_latency', 'count==100', 100, true],
    ['sync_latency', 'rate>=10', 10, true],
    ['sync_latency', 'rate>10', 10, false],
    // counters
    ['sent', 'count>=50', 50, true],
    ['sent', 'count<50', 50, false],
    ['sent', 'rate==5', 5, true],
    ['http_reqs', 'rate<2', 2, false],
    ['errors', 'count==0', 0, true],
    ['lost', 'count==0', 0, true],
    ['duplicates', 'rate<=0', 0, true],
  ] as const)('%s %s → actual %d, ok %s', (metric, source, actual, ok) => {
    const o = one(metric, source)
    expect(o.actual).toBeCloseTo(actual, 6)
    expect(o.ok).toBe(ok)
    expect(o.metric).toBe(metric)
    expect(o.expression).toBe(source)
    expect(o.reason === undefined).toBe(ok)
  })

  it('explains a failure with the value found', () => {
    expect(one('sync_latency', 'p(99)<0.5').reason).toBe('p(99) is 0.99, wanted < 0.5')
  })

  it('judges larger latencies at histogram resolution: at most 0.1% above the sample', () => {
    const r = new MetricsRecorder()
    for (let ms = 1; ms <= 100; ms++) r.trend('sync_latency', ms)
    const agg = new MetricsAggregate()
    agg.addDelta(r.takeDelta())
    const [o] = evaluateThresholds([spec('sync_latency', 'p(99)<=99')], agg, 1000, {final: true})
    expect(o!.actual).toBeGreaterThanOrEqual(99)
    expect(o!.actual).toBeLessThan(99 * 1.001)
    expect(o!.ok).toBe(false)
  })

  it('fails a trend without samples with actual null', () => {
    expect(one('connect', 'p(99)<50')).toEqual({metric: 'connect', expression: 'p(99)<50', ok: false, actual: null, reason: 'no samples', abortOnFail: false})
    expect(one('connect', 'count==0')).toMatchObject({ok: false, actual: null})
    expect(one('connect', 'p(99)<50', false)).toMatchObject({ok: false, actual: null, reason: 'no samples yet'})
  })

  it('fails a counter nothing reported or set, except errors, which every scenario can have', () => {
    expect(one('data_received', 'count==0')).toMatchObject({ok: false, actual: null, reason: 'no samples'})
    expect(one('dropped_iterations', 'count==0')).toMatchObject({ok: false, actual: null, reason: 'no samples'})
    expect(one('errors', 'count==0')).toMatchObject({ok: true, actual: 0})
  })

  it('uses counters the coordinator set', () => {
    const agg = aggregate()
    agg.set('lost', 3)
    const [o] = evaluateThresholds([spec('lost', 'count==0')], agg, ELAPSED, {final: true})
    expect(o).toMatchObject({ok: false, actual: 3})
  })

  it('reports rate 0 before any time has passed', () => {
    const [o] = evaluateThresholds([spec('sent', 'rate>0')], aggregate(), 0, {final: false})
    expect(o).toMatchObject({ok: false, actual: 0})
  })

  it('keeps the order of specs and expressions and carries abortOnFail', () => {
    const specs: ThresholdSpec[] = [
      {metric: 'sent', expressions: [{source: 'count>0', abortOnFail: true, delayAbortEvalMs: 0}]},
      spec('sync_latency', 'p(90)<100', 'max<0.5'),
    ]
    const outcomes = evaluateThresholds(specs, aggregate(), ELAPSED, {final: true})
    expect(outcomes.map((o) => [o.metric, o.expression, o.ok, o.abortOnFail])).toEqual([
      ['sent', 'count>0', true, true],
      ['sync_latency', 'p(90)<100', true, false],
      ['sync_latency', 'max<0.5', false, false],
    ])
  })
})

describe('shouldAbort', () => {
  const specs: ThresholdSpec[] = [
    {metric: 'sync_latency', expressions: [{source: 'p(99)<50', abortOnFail: true, delayAbortEvalMs: 10_000}]},
    {metric: 'errors', expressions: [{source: 'count<10', abortOnFail: false, delayAbortEvalMs: 0}]},
    {metric: 'connect', expressions: [{source: 'p(99)<100', abortOnFail: true, delayAbortEvalMs: 0}]},
  ]
  function outcome(metric: string, expression: string, ok: boolean, actual: number | null, abortOnFail: boolean): ThresholdOutcome {
    return {metric, expression, ok, actual, abortOnFail}
  }

  it.each([
    ['a failed abortOnFail expression after its delay', [outcome('sync_latency', 'p(99)<50', false, 80, true)], 10_000, true],
    ['the same before its delay', [outcome('sync_latency', 'p(99)<50', false, 80, true)], 9_999, false],
    ['a passing abortOnFail expression', [outcome('sync_latency', 'p(99)<50', true, 20, true)], 60_000, false],
    ['a failed expression without abortOnFail', [outcome('errors', 'count<10', false, 12, false)], 60_000, false],
    ['a trend without samples yet', [outcome('connect', 'p(99)<100', false, null, true)], 60_000, false],
    ['one abort among passing ones', [outcome('errors', 'count<10', true, 1, false), outcome('connect', 'p(99)<100', false, 300, true)], 1, true],
    ['an outcome matching no spec', [outcome('sync_latency', 'p(99)<1', false, 80, true)], 60_000, false],
  ] as const)('%s → %s', (_name, outcomes, elapsedMs, expected) => {
    expect(shouldAbort([...outcomes], specs, elapsedMs)).toBe(expected)
  })

  it('works on what evaluateThresholds returns mid-run', () => {
    const agg = new MetricsAggregate()
    const r = new MetricsRecorder()
    r.trend('sync_latency', 70)
    agg.addDelta(r.takeDelta())
    const outcomes = evaluateThresholds(specs, agg, 12_000, {final: false})
    expect(outcomes.find((o) => o.metric === 'connect')).toMatchObject({ok: false, actual: null})
    expect(shouldAbort(outcomes, specs, 5_000)).toBe(false)
    expect(shouldAbort(outcomes, specs, 12_000)).toBe(true)
  })
})
