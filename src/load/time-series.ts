import {LatencyHistogram} from '../common/histogram.js'
import type {DecodedDelta} from './metrics/registry.js'
import type {TickSample} from './types.js'

type SecondMetrics = TickSample['metrics']

interface Bin {
  counters: Record<string, number>
  /** While the second is open: its merged samples. Dropped when it closes. */
  histograms: Map<string, LatencyHistogram> | undefined
  /** Once the second is closed: what the time series reports of it. */
  metrics: SecondMetrics | undefined
  vus: Map<number, number>
  lag: number
}

/**
 * How far behind the newest second a second may stay open while a worker that has reported before
 * is silent. Workers report every second, so only a stalled one holds seconds open; samples it
 * ships for a second this old count in the second's `count` but not in its percentiles.
 */
export const MAX_OPEN_SECONDS = 30

function summarise(histograms: Map<string, LatencyHistogram> | undefined): SecondMetrics {
  const metrics: SecondMetrics = {}
  for (const [k, h] of histograms ?? []) {
    // Not summary(): its mean walks every bucket, a few % of a busy run's coordinator CPU.
    metrics[k] = {count: h.count, p50: h.percentile(50), p99: h.percentile(99)}
  }
  return metrics
}

/**
 * Per-second bins of worker deltas. A delta stamped at t belongs to second ceil((t − start) / 1000),
 * with a little tolerance for timers that fire late; deltas before the start fall in second 0.
 *
 * Memory stays flat in a long run: a second keeps its latency histograms (about 90 KB each, one
 * per metric) only while it is open, and keeps `{count, p50, p99}` per metric — what the time
 * series reports — once it closes. A second closes when every worker has reported a later second
 * (a worker's deltas arrive in order, so no sample of it can arrive afterwards: the percentiles are
 * exact), or when it is {@link MAX_OPEN_SECONDS} behind the newest one.
 */
export class TimeSeries {
  private readonly bins = new Map<number, Bin>()
  private readonly lastVus = new Map<number, number>()
  /** Each worker's newest second. */
  private readonly newestBy = new Map<number, number>()
  private readonly open = new Set<number>()
  /** Workers forgotten, with the last second they reported. */
  private readonly forgotten = new Map<number, number>()

  /** `workers`: how many report; seconds stay open until that many have (the live tick needs no more). */
  constructor(private readonly startAtMs: number, private readonly lagBoundMs: number, private workers = 0) {}

  /** A worker that will report no more (its agent was lost): no second waits for it, and it holds no VUs from then on. */
  forget(worker: number): void {
    this.forgotten.set(worker, this.newestBy.get(worker) ?? 0)
    this.newestBy.delete(worker)
    this.workers = Math.max(0, this.workers - 1)
    this.lastVus.set(worker, 0)
    this.closeDone()
  }

  secondOf(atMs: number): number {
    return Math.max(0, Math.ceil((atMs - this.startAtMs - 100) / 1000))
  }

  /** Adds one worker's delta. The open second adopts the delta's histograms: the caller must not change them afterwards. */
  add(worker: number, atMs: number, delta: DecodedDelta, vus: number, lagMs: number): void {
    const second = this.secondOf(atMs)
    let bin = this.bins.get(second)
    if (!bin) {
      this.bins.set(second, (bin = {counters: {}, histograms: new Map(), metrics: undefined, vus: new Map(), lag: 0}))
      this.open.add(second)
    }
    for (const [k, v] of Object.entries(delta.counters)) bin.counters[k] = (bin.counters[k] ?? 0) + v
    for (const [k, h] of delta.histograms) {
      if (bin.histograms) {
        const into = bin.histograms.get(k)
        if (into) into.add(h)
        else bin.histograms.set(k, h)
      } else {
        // A stalled worker's samples for a second already closed: counted, not in its percentiles.
        const m = (bin.metrics![k] ??= {count: 0, p50: 0, p99: 0})
        m.count += h.count
      }
    }
    bin.vus.set(worker, vus)
    this.lastVus.set(worker, vus)
    bin.lag = Math.max(bin.lag, lagMs)
    this.newestBy.set(worker, Math.max(this.newestBy.get(worker) ?? 0, second))
    this.closeDone()
  }

  // Closes every open second that no worker can still add samples to, and the ones too old to wait for.
  private closeDone(): void {
    const newest = Math.max(...this.newestBy.values())
    const everyone = this.newestBy.size >= this.workers ? Math.min(...this.newestBy.values()) : 0
    for (const second of this.open) {
      if (second >= everyone && second > newest - MAX_OPEN_SECONDS) continue
      const bin = this.bins.get(second)!
      bin.metrics = summarise(bin.histograms)
      bin.histograms = undefined
      this.open.delete(second)
    }
  }

  /** How many seconds still hold their histograms (for tests: this stays small however long the run). */
  get openSeconds(): number {
    return this.open.size
  }

  /**
   * The sample of one second, merged over workers. A worker silent in that second counts with
   * the vus it reported last before it (`carried`), or, live, with its latest report.
   */
  sample(second: number, carried: Map<number, number> = this.lastVus): TickSample {
    const bin = this.bins.get(second)
    const vusBy = new Map(carried)
    for (const [w, v] of bin?.vus ?? []) vusBy.set(w, v)
    const metrics = bin?.metrics ? structuredClone(bin.metrics) : summarise(bin?.histograms)
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
      for (const [w, after] of this.forgotten) if (second > after) carried.delete(w)
      out.push(this.sample(second, carried))
      for (const [w, v] of this.bins.get(second)?.vus ?? []) carried.set(w, v)
    }
    return out
  }
}
