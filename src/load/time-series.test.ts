import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../common/histogram.js'
import {TimeSeries} from './time-series.js'
import type {DecodedDelta} from './metrics/registry.js'

const delta = (counters: Record<string, number> = {}, samples: number[] = []): DecodedDelta => {
  const h = new LatencyHistogram()
  for (const s of samples) h.record(s)
  const histograms = new Map(samples.length ? [['sync_latency', h] as const] : [])
  return {histograms, counters, errors: {}}
}

describe('TimeSeries', () => {
  it('bins deltas by second since the start, tolerating late timers, and merges workers', () => {
    const ts = new TimeSeries(10_000, 100)
    ts.add(0, 9_500, delta({sent: 1}), 3, 0)
    ts.add(0, 11_000 + 40, delta({sent: 5}, [1, 2]), 10, 5)
    ts.add(1, 11_000, delta({sent: 7}, [3]), 20, 150)
    expect(ts.secondOf(9_500)).toBe(0)
    const s1 = ts.sample(1)
    expect(s1.counters).toEqual({sent: 12})
    expect(s1.vus).toBe(30)
    expect(s1.metrics.sync_latency?.count).toBe(3)
    expect(s1.saturated).toBe(true)
  })

  it('carries a silent worker\'s vus forward from the seconds before, not from the end', () => {
    const ts = new TimeSeries(0, 100)
    ts.add(0, 1000, delta(), 100, 0)
    ts.add(1, 1000, delta(), 100, 0)
    ts.add(0, 2000, delta(), 200, 0)
    ts.add(0, 3000, delta(), 300, 0)
    ts.add(1, 3000, delta(), 5000, 0)
    expect(ts.all().map((t) => t.vus)).toEqual([200, 300, 5300])
  })
})
