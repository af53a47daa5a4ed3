import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../common/histogram.js'
import {MAX_OPEN_SECONDS, TimeSeries} from './time-series.js'
import type {DecodedDelta} from './metrics/registry.js'

const delta = (counters: Record<string, number> = {}, samples: number[] = []): DecodedDelta => {
  const h = new LatencyHistogram()
  for (const s of samples) h.record(s)
  const histograms = new Map(samples.length ? [['sync_latency', h] as const] : [])
  return {histograms, counters, errors: {}}
}

// What one histogram holding `samples` reports for a second: HDR resolution, not the raw values.
const second = (samples: number[]): {count: number; p50: number; p99: number} => {
  const h = new LatencyHistogram()
  for (const s of samples) h.record(s)
  return {count: h.count, p50: h.percentile(50), p99: h.percentile(99)}
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

  it('keeps histograms only for open seconds, and closed seconds report the same percentiles', () => {
    const ts = new TimeSeries(0, 100, 2)
    const live: ReturnType<TimeSeries['sample']>[] = []
    for (let second = 1; second <= 600; second++) {
      ts.add(0, second * 1000, delta({sent: 1}, [second, second * 2]), 1, 0)
      ts.add(1, second * 1000, delta({sent: 1}, [second * 3]), 1, 0)
      live.push(ts.sample(second))
      expect(ts.openSeconds).toBeLessThanOrEqual(2)
    }
    const all = ts.all()
    expect(all).toHaveLength(600)
    // Every second but the newest was closed; what it reports is what it reported while open.
    expect(all.map((t) => t.metrics)).toEqual(live.map((t) => t.metrics))
    expect(all[99]!.metrics.sync_latency).toEqual(second([100, 200, 300]))
    expect(all[99]!.counters).toEqual({sent: 2})
  })

  it('waits for every worker before closing a second, up to MAX_OPEN_SECONDS', () => {
    const ts = new TimeSeries(0, 100, 2)
    ts.add(0, 1000, delta({}, [5]), 1, 0)
    ts.add(0, 5000, delta(), 1, 0)
    // Worker 1 has not reported yet: second 1 stays open and its late samples still merge exactly.
    expect(ts.openSeconds).toBe(2)
    ts.add(1, 1000, delta({}, [7]), 1, 0)
    expect(ts.sample(1).metrics.sync_latency?.count).toBe(2)
    // Worker 1 falls silent: seconds older than the bound close all the same.
    ts.add(0, (2 + MAX_OPEN_SECONDS) * 1000, delta(), 1, 0)
    expect(ts.openSeconds).toBe(2)
    // A stalled worker's samples for a closed second are counted, not in its percentiles.
    ts.add(1, 1000, delta({sent: 4}, [9]), 1, 0)
    expect(ts.sample(1).metrics.sync_latency).toEqual({...second([5, 7]), count: 3})
    expect(ts.sample(1).counters).toEqual({sent: 4})
  })
})

describe('TimeSeries.forget (a lost agent)', () => {
  it('closes seconds without the forgotten worker and stops counting its clients after its last report', () => {
    const ts = new TimeSeries(0, 100, 2)
    const empty: DecodedDelta = {counters: {}, errors: {}, histograms: new Map()}
    ts.add(0, 1000, empty, 5, 0)
    ts.add(1, 1000, empty, 7, 0)
    ts.add(0, 2000, empty, 5, 0)
    ts.forget(1)
    ts.add(0, 3000, empty, 5, 0)
    expect(ts.all().map((t) => t.vus)).toEqual([12, 5, 5])
    // Only the newest second waits (for worker 0's next report), none for worker 1.
    expect(ts.openSeconds).toBe(1)
  })
})
