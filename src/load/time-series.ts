import {LatencyHistogram} from '../common/histogram.js'
import type {DecodedDelta} from './metrics/registry.js'
import type {TickSample} from './types.js'

interface Bin {
  counters: Record<string, number>
  histograms: Map<string, LatencyHistogram>
  vus: Map<number, number>
  lag: number
}

/**
 * Per-second bins of worker deltas. A delta stamped at t belongs to second ceil((t − start) / 1000),
 * with a little tolerance for timers that fire late; deltas before the start fall in second 0.
 */
export class TimeSeries {
  private readonly bins = new Map<number, Bin>()
  private readonly lastVus = new Map<number, number>()

  constructor(private readonly startAtMs: number, private readonly lagBoundMs: number) {}

  secondOf(atMs: number): number {
    return Math.max(0, Math.ceil((atMs - this.startAtMs - 100) / 1000))
  }

  add(worker: number, atMs: number, delta: DecodedDelta, vus: number, lagMs: number): void {
    const second = this.secondOf(atMs)
    let bin = this.bins.get(second)
    if (!bin) this.bins.set(second, (bin = {counters: {}, histograms: new Map(), vus: new Map(), lag: 0}))
    for (const [k, v] of Object.entries(delta.counters)) bin.counters[k] = (bin.counters[k] ?? 0) + v
    for (const [k, h] of delta.histograms) {
      let into = bin.histograms.get(k)
      if (!into) bin.histograms.set(k, (into = new LatencyHistogram()))
      into.add(h)
    }
    bin.vus.set(worker, vus)
    this.lastVus.set(worker, vus)
    bin.lag = Math.max(bin.lag, lagMs)
  }

  /**
   * The sample of one second, merged over workers. A worker silent in that second counts with
   * the vus it reported last before it (`carried`), or, live, with its latest report.
   */
  sample(second: number, carried: Map<number, number> = this.lastVus): TickSample {
    const bin = this.bins.get(second)
    const vusBy = new Map(carried)
    for (const [w, v] of bin?.vus ?? []) vusBy.set(w, v)
    const metrics: TickSample['metrics'] = {}
    for (const [k, h] of bin?.histograms ?? []) {
      const s = h.summary()
      metrics[k] = {count: s.count, p50: s.p50, p99: s.p99}
    }
    const lag = bin?.lag ?? 0
    return {
      second, elapsedMs: second * 1000, vus: [...vusBy.values()].reduce((a, b) => a + b, 0),
      counters: {...bin?.counters}, metrics, maxEventLoopLagMs: lag, saturated: lag > this.lagBoundMs,
    }
  }

  /** Every second from 1 to the last one with data, each worker's vus carried forward in order. */
  all(): TickSample[] {
    const last = Math.max(0, ...this.bins.keys())
    const carried = new Map(this.bins.get(0)?.vus)
    const out: TickSample[] = []
    for (let second = 1; second <= last; second++) {
      out.push(this.sample(second, carried))
      for (const [w, v] of this.bins.get(second)?.vus ?? []) carried.set(w, v)
    }
    return out
  }
}
