import {LatencyHistogram} from '../../common/histogram.js'
import type {ResultsJson} from './results-json.js'
import {orderCounters, reportedLatencies} from './format.js'

/**
 * What the HTML report's charts draw for one run, computed here (in Node, from results.json) so
 * the page only plots: per-second series on one x axis (seconds since the start), and each
 * latency metric's percentile distribution from its HDR histogram.
 */
export interface ChartRun {
  label: string
  seconds: number[]
  /** Per latency metric, that second's p50 and p99 (null in a second without samples). */
  latency: Record<string, {p50: Array<number | null>; p99: Array<number | null>}>
  /** Per counter, its increments in each second. */
  counters: Record<string, number[]>
  vus: number[]
  lagMs: number[]
  /** Seconds the generator was saturated, to shade on every time chart. */
  saturated: number[]
  /** Per latency metric: x = 1 / (1 − q) ("1 in N"), y = the value at percentile q, ms. */
  distribution: Record<string, {x: number[]; y: number[]}>
}

// 0, 90, 99, 99.9, … in quarter-decades of 1/(1−q), up to 99.999%: the points of an HDR
// percentile plot (x log-scaled), dense enough to show the tail's shape.
const QUANTILES = Array.from({length: 21}, (_, k) => 100 * (1 - 10 ** (-k / 4)))

function distribution(encoded: string): {x: number[]; y: number[]} {
  const h = LatencyHistogram.decode(encoded)
  const x: number[] = []
  const y: number[] = []
  for (const q of QUANTILES) {
    // A percentile finer than one sample in the run says nothing more than the maximum.
    if (h.count > 0 && 1 / (1 - q / 100) <= h.count * 10) {
      x.push(1 / (1 - q / 100))
      y.push(h.percentile(q))
    }
  }
  return {x, y}
}

/** The chart data of one results.json, `label` naming the run in legends. */
export function chartRun(r: ResultsJson, label: string): ChartRun {
  const ts = r.timeSeries
  const latencyNames = reportedLatencies(r.metrics, r.meta.scenarios).filter((n) => r.metrics[n]!.count > 0)
  // errors always has a chart: a flat zero line is the news a reader looks for.
  const counterNames = orderCounters(new Set(['errors', ...ts.flatMap((t) => Object.keys(t.counters))]))
  return {
    label,
    seconds: ts.map((t) => t.second),
    latency: Object.fromEntries(latencyNames.map((n) => [n, {p50: ts.map((t) => t.metrics[n]?.count ? t.metrics[n]!.p50 : null), p99: ts.map((t) => t.metrics[n]?.count ? t.metrics[n]!.p99 : null)}])),
    counters: Object.fromEntries(counterNames.map((n) => [n, ts.map((t) => t.counters[n] ?? 0)])),
    vus: ts.map((t) => t.vus),
    lagMs: ts.map((t) => t.maxEventLoopLagMs),
    saturated: ts.filter((t) => t.saturated).map((t) => t.second),
    distribution: Object.fromEntries(latencyNames.map((n) => [n, distribution(r.metrics[n]!.histogram)])),
  }
}
