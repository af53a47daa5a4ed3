import {mkdir, rename, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'
import type {MetricSummary, RateReport, RunMeta, RunResult, SaturationReport, ThresholdOutcome, TickSample} from '../types.js'
import {isRunOk} from './run-ok.js'

/** Bumped when a field changes meaning or goes away; adding fields keeps the version. */
export const RESULTS_SCHEMA = 'imharness/load-results@1'

/** One latency metric in results.json: figures in ms, `histogram` in microseconds. */
export interface ResultsMetric extends MetricSummary {
  /** hdr-histogram-js compressed base64 of every sample, values in microseconds. */
  histogram: string
}

/** The document `imh load --out results.json` writes; docs/results-schema.md describes each field. */
export interface ResultsJson {
  schema: typeof RESULTS_SCHEMA
  meta: RunMeta
  /** No run error, not aborted, every threshold held. */
  ok: boolean
  metrics: Record<string, ResultsMetric>
  counters: Record<string, number>
  errors: Record<string, number>
  thresholds: ThresholdOutcome[]
  saturation: SaturationReport
  /** Each rate the run was asked for, requested vs achieved; `flagged` when one was missed. */
  rate: RateReport
  aborted?: {reason: string; atMs: number}
  runError?: {code: string; message: string}
  timeSeries: TickSample[]
  /** Every worker's final report of each joined counter (chat's `lost`), by counter name: what `imh merge` joins over shards. */
  joined?: Record<string, unknown[]>
}

// Beyond a microsecond the digits are noise from the histogram's buckets, and they bloat the file.
function ms(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : n
}

function metric(m: MetricSummary & {histogram: string}): ResultsMetric {
  // A metric without samples has no meaningful min or mean; zeros keep the type a plain number.
  const f = (n: number) => (m.count > 0 ? ms(n) : 0)
  return {count: m.count, min: f(m.min), p50: f(m.p50), p90: f(m.p90), p99: f(m.p99), p999: f(m.p999), max: f(m.max), avg: f(m.avg), histogram: m.histogram}
}

function tick(t: TickSample): TickSample {
  const metrics = Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, {count: v.count, p50: ms(v.p50), p99: ms(v.p99)}]))
  return {...t, elapsedMs: ms(t.elapsedMs), metrics, maxEventLoopLagMs: ms(t.maxEventLoopLagMs)}
}

/** The run as results.json holds it: versioned, `ok` decided, milliseconds rounded to 3 decimals. */
export function toResultsJson(result: RunResult): ResultsJson {
  const s = result.saturation
  return {
    schema: RESULTS_SCHEMA,
    meta: {...result.meta, durationMs: ms(result.meta.durationMs)},
    ok: isRunOk(result),
    metrics: Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [k, metric(v)])),
    counters: {...result.counters},
    errors: {...result.errors},
    // `actual` is left alone: for rate thresholds it is a fraction, where 3 decimals would lose it.
    thresholds: result.thresholds.map((t) => ({...t})),
    saturation: {
      flagged: s.flagged, boundMs: ms(s.boundMs), maxEventLoopLagMs: ms(s.maxEventLoopLagMs), judgedSeconds: s.judgedSeconds,
      workers: s.workers.map((w) => ({...w, maxLagMs: ms(w.maxLagMs)})),
    },
    rate: {...result.rate, scenarios: result.rate.scenarios.map((r) => ({...r, scheduledPerS: ms(r.scheduledPerS), requestedPerS: ms(r.requestedPerS), achievedPerS: ms(r.achievedPerS)}))},
    ...(result.aborted ? {aborted: {reason: result.aborted.reason, atMs: ms(result.aborted.atMs)}} : {}),
    ...(result.runError ? {runError: {...result.runError}} : {}),
    timeSeries: result.timeSeries.map(tick),
    ...(result.joined ? {joined: result.joined} : {}),
  }
}

/**
 * Writes results.json (2-space JSON, trailing newline), creating its directory. It goes to a
 * temporary file first and is renamed into place, so a reader never sees half a document.
 */
export async function writeResultsJson(file: string, result: RunResult): Promise<void> {
  await mkdir(dirname(file), {recursive: true})
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(toResultsJson(result), null, 2)}\n`)
  await rename(tmp, file)
}
