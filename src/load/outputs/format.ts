import {METRICS} from '../metrics/catalogue.js'
import type {MetricSummary} from '../types.js'

/** Suffix of a latency metric recorded without coordinated-omission correction. */
export const UNCORRECTED_SUFFIX = '_uncorrected'

// The catalogue's order is the one summaries list metrics in; names it lacks come after.
const TRENDS = METRICS.filter((m) => m.kind === 'trend').map((m) => m.name)
const COUNTERS = METRICS.filter((m) => m.kind === 'counter').map((m) => m.name)

function rankIn(list: readonly string[], name: string): number {
  const i = list.indexOf(name)
  return i < 0 ? list.length : i
}

const byRankThenName = (rank: (n: string) => number) => (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)

/** Milliseconds (or a rate) with precision that shrinks as the value grows: 1.23, 12.3, 123; `-` when not finite. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-'
  const abs = Math.abs(n)
  return n.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0)
}

/** Bytes in decimal units as k6 shows them: 512 B, 12.3 kB, 4.10 MB. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  while (Math.abs(n) >= 1000 && i < units.length - 1) {
    n /= 1000
    i++
  }
  return `${i === 0 ? String(Math.round(n)) : formatNumber(n)} ${units[i]}`
}

/** A trend value as its unit says: a `kB/s` rate as `12.3 MB/s`, anything else as {@link formatNumber}. */
export function formatTrendValue(name: string, v: number, msSuffix = ''): string {
  return METRICS.find((m) => m.name === name)?.unit === 'kB/s' ? `${formatBytes(v * 1000)}/s` : `${formatNumber(v)}${msSuffix}`
}

/** Elapsed time as mm:ss; minutes keep counting past 59 so long runs stay sortable. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

/** The corrected metric an `_uncorrected` name belongs to, or undefined for any other name. */
export function correctedOf(name: string): string | undefined {
  return name.endsWith(UNCORRECTED_SUFFIX) ? name.slice(0, -UNCORRECTED_SUFFIX.length) : undefined
}

/**
 * Metric names in display order: known metrics in catalogue order, others alphabetically, and each
 * `<name>_uncorrected` right after `<name>` when both are present.
 */
export function orderMetrics(names: Iterable<string>): string[] {
  const all = new Set(names)
  const heads = [...all].filter((n) => {
    const base = correctedOf(n)
    return base === undefined || !all.has(base)
  })
  heads.sort(byRankThenName((n) => rankIn(TRENDS, correctedOf(n) ?? n)))
  return heads.flatMap((n) => (all.has(n + UNCORRECTED_SUFFIX) ? [n, n + UNCORRECTED_SUFFIX] : [n]))
}

/**
 * Whether a run corrected for coordinated omission: only arrival-rate executors schedule
 * iterations ahead of the VU that runs them; a closed-model VU starts each operation when it
 * meant to, so its `_uncorrected` twins repeat the corrected figures and are not shown.
 */
export function correctsOmission(scenarios: ReadonlyArray<{executor: string}>): boolean {
  return scenarios.some((s) => s.executor.endsWith('arrival-rate'))
}

/** {@link orderMetrics}, without the `_uncorrected` twins when the run did not correct (see {@link correctsOmission}). */
export function shownMetrics(names: Iterable<string>, corrected: boolean): string[] {
  return orderMetrics(names).filter((n) => corrected || correctedOf(n) === undefined)
}

/** The columns of {@link latencyFigures}. */
export const LATENCY_COLUMNS = ['count', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const

/** A latency metric's figures as reports print them, one per {@link LATENCY_COLUMNS} ('-' without samples). */
export function latencyFigures(name: string, s: MetricSummary): string[] {
  return [String(s.count), ...(s.count > 0 ? [s.min, s.p50, s.p90, s.p99, s.p999, s.max].map((v) => formatTrendValue(name, v)) : ['-', '-', '-', '-', '-', '-'])]
}

/**
 * The latency metrics a report of one run shows, in display order (the summary, the HTML report,
 * imh compare): an `_uncorrected` twin only where the run corrected (see
 * {@link correctsOmission}) and the correction changed a printed figure. results.json keeps it always.
 */
export function reportedLatencies(metrics: Readonly<Record<string, MetricSummary>>, scenarios: ReadonlyArray<{executor: string}>): string[] {
  return shownMetrics(Object.keys(metrics), correctsOmission(scenarios)).filter((name) => {
    const base = correctedOf(name)
    return base === undefined || !metrics[base] || latencyFigures(name, metrics[name]!).join() !== latencyFigures(base, metrics[base]!).join()
  })
}

/** Counter names in display order: catalogue order first, then the rest alphabetically. */
export function orderCounters(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(byRankThenName((n) => rankIn(COUNTERS, n)))
}
