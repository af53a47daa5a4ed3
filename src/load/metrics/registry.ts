import {LatencyHistogram, type MetricSummary} from '../../common/histogram.js'
import {ALWAYS_REPORTED_COUNTERS} from './engine-metrics.js'

/**
 * What a worker ships per tick: histograms encoded (hdr-histogram-js compressed base64) and
 * counter increments since its previous tick. The coordinator adds them; never averages.
 */
export interface MetricsDelta {
  histograms: Record<string, string>
  counters: Record<string, number>
  /** Error counts by code since the previous tick. */
  errors: Record<string, number>
}

/**
 * Where a scenario records samples, typed by the metric names it may use: a scenario's context
 * narrows `T` (trends) and `C` (counters) to the names its module and the engine declare, so an
 * undeclared name does not compile. Function-typed properties, not methods, so that the check is
 * strict both ways.
 */
export interface Recorder<T extends string = string, C extends string = string> {
  /** Records one sample of a trend metric (ms, or the metric's unit). */
  readonly trend: (name: T, value: number) => void
  /** Adds `n` (default 1) to a counter. */
  readonly add: (name: C, n?: number) => void
  /** Counts one failure under its error code. */
  readonly error: (code: string) => void
}

function bump(target: Map<string, number>, key: string, n: number): void {
  target.set(key, (target.get(key) ?? 0) + n)
}

/**
 * Worker side: scenarios record samples here; every tick the worker ships
 * {@link MetricsRecorder.takeDelta} to the coordinator.
 */
export class MetricsRecorder implements Recorder {
  private readonly histograms = new Map<string, LatencyHistogram>()
  private readonly counterIncrements = new Map<string, number>()
  private readonly errorIncrements = new Map<string, number>()

  /** Records one latency sample of a trend metric, in ms. */
  trend(name: string, ms: number): void {
    let h = this.histograms.get(name)
    if (h === undefined) {
      h = new LatencyHistogram()
      this.histograms.set(name, h)
    }
    h.record(ms)
  }

  /** Adds `n` to a counter. Adding 0 still marks the counter as observed this interval. */
  add(name: string, n = 1): void {
    bump(this.counterIncrements, name, n)
  }

  /** Counts one failure: the `errors` counter and the per-code breakdown. */
  error(code: string): void {
    bump(this.counterIncrements, 'errors', 1)
    bump(this.errorIncrements, code, 1)
  }

  /**
   * Everything recorded since the previous call, then starts a new interval. Histograms without
   * samples this interval are left out; counters appear when touched at all (even by `add(name, 0)`).
   */
  takeDelta(): MetricsDelta {
    const histograms: Record<string, string> = {}
    for (const [name, h] of this.histograms) {
      if (h.isEmpty) continue
      histograms[name] = h.encode()
      // Reset rather than drop: keeps the counts array allocated for the next interval.
      h.reset()
    }
    const delta: MetricsDelta = {
      histograms,
      counters: Object.fromEntries(this.counterIncrements),
      errors: Object.fromEntries(this.errorIncrements),
    }
    this.counterIncrements.clear()
    this.errorIncrements.clear()
    return delta
  }
}

/** A worker's delta with its histograms decoded. */
export interface DecodedDelta {
  histograms: Map<string, LatencyHistogram>
  counters: Record<string, number>
  errors: Record<string, number>
}

/** Decodes a delta's histograms (the costly part of merging: inflate and parse). */
export function decodeDelta(delta: MetricsDelta): DecodedDelta {
  const histograms = new Map<string, LatencyHistogram>()
  for (const [name, encoded] of Object.entries(delta.histograms)) histograms.set(name, LatencyHistogram.decode(encoded))
  return {histograms, counters: delta.counters, errors: delta.errors}
}

/**
 * Coordinator side: the sum of every worker's deltas. Latency percentiles come only from the
 * merged histograms; per-worker percentiles are never averaged (that gives wrong tails).
 */
export class MetricsAggregate {
  private readonly histograms = new Map<string, LatencyHistogram>()
  private readonly counterTotals = new Map<string, number>()
  private readonly errorTotals = new Map<string, number>()

  /** Adds one worker's delta; throws when a histogram does not decode. */
  addDelta(delta: MetricsDelta): void {
    this.addDecoded(decodeDelta(delta))
  }

  /**
   * Adds a delta decoded once by the caller, who may add the same one elsewhere too (the
   * coordinator's per-second bins): the histograms are copied, never adopted.
   */
  addDecoded(delta: DecodedDelta): void {
    for (const [name, h] of delta.histograms) this.addHistogram(name, h)
    for (const [name, n] of Object.entries(delta.counters)) bump(this.counterTotals, name, n)
    for (const [code, n] of Object.entries(delta.errors)) bump(this.errorTotals, code, n)
  }

  private addHistogram(name: string, h: LatencyHistogram): void {
    const mine = this.histograms.get(name)
    if (mine !== undefined) mine.add(h)
    else {
      const copy = new LatencyHistogram()
      copy.add(h)
      this.histograms.set(name, copy)
    }
  }

  /** The merged histogram of a trend metric; undefined when no delta carried it. Do not mutate. */
  histogram(name: string): LatencyHistogram | undefined {
    return this.histograms.get(name)
  }

  /** Every trend metric's merged histogram so far, by name. Do not mutate. */
  latencies(): ReadonlyMap<string, LatencyHistogram> {
    return this.histograms
  }

  /** A counter's total; 0 when never reported. */
  counter(name: string): number {
    return this.counterTotals.get(name) ?? 0
  }

  /** Whether a counter was reported (or set), or is one of {@link ALWAYS_REPORTED_COUNTERS}. */
  hasCounter(name: string): boolean {
    return this.counterTotals.has(name) || (ALWAYS_REPORTED_COUNTERS as readonly string[]).includes(name)
  }

  /** Sets a counter the coordinator computes itself (e.g. `lost` after the drain). */
  set(name: string, value: number): void {
    this.counterTotals.set(name, value)
  }

  /** Error totals by code. */
  errors(): Record<string, number> {
    return Object.fromEntries(this.errorTotals)
  }

  /** Summary and encoded merged histogram of every trend metric with at least one sample. */
  summaries(): Record<string, MetricSummary & {histogram: string}> {
    const result: Record<string, MetricSummary & {histogram: string}> = {}
    for (const [name, h] of this.histograms) {
      if (h.isEmpty) continue
      result[name] = {...h.summary(), histogram: h.encode()}
    }
    return result
  }

  /** Every reported counter, plus {@link ALWAYS_REPORTED_COUNTERS} at 0 when nothing reported them. */
  counters(): Record<string, number> {
    const result: Record<string, number> = {}
    for (const name of ALWAYS_REPORTED_COUNTERS) result[name] = 0
    for (const [name, n] of this.counterTotals) result[name] = n
    return result
  }
}
