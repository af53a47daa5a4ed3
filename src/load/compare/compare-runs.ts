import {LatencyHistogram} from '../../common/histogram.js'
import {ImhError} from '../../protocol/errors.js'
import {orderMetrics, reportedLatencies} from '../outputs/format.js'
import type {ResultsJson} from '../outputs/results-json.js'
import type {RegressionLimit} from './regression-limit.js'
import {type Interval, Z_99, Z_ONE_SIDED_99, mannWhitneyGreater, meanInterval, percentileInterval} from './statistic-interval.js'

/** The percentiles every latency row shows, as results.json names them. */
export const SHOWN_PERCENTILES = [
  {key: 'p50', q: 50},
  {key: 'p90', q: 90},
  {key: 'p99', q: 99},
  {key: 'p999', q: 99.9},
] as const

/** One latency metric of both runs, in display order: count and the shown percentiles (ms). */
export interface LatencyRow {
  metric: string
  baseline?: {count: number} & Record<(typeof SHOWN_PERCENTILES)[number]['key'], number>
  candidate?: {count: number} & Record<(typeof SHOWN_PERCENTILES)[number]['key'], number>
}

/** One counter (or `errors{CODE}`) of both runs; absent counts are 0. */
export interface CounterRow {
  name: string
  baseline: number
  candidate: number
}

/** One threshold expression and how it ended in each run (absent: that run had no such threshold). */
export interface ThresholdRow {
  metric: string
  expression: string
  baseline?: boolean
  candidate?: boolean
}

/**
 * A regression limit judged. `regressed`: worse by more than the allowance and beyond chance
 * (fails the comparison). `worse-within-noise`: the point value is past the allowance but the
 * intervals overlap (passes, and says so). `within`: not past the allowance. `no-data`: a run has
 * no samples of the metric, so nothing shows it did not regress (fails, as an empty metric fails
 * its threshold).
 */
export interface Judgement {
  limit: RegressionLimit
  verdict: 'within' | 'worse-within-noise' | 'regressed' | 'no-data'
  baseline: Interval
  candidate: Interval
  /** The worst candidate value the limit allows (from the baseline's value). */
  allowed: number
  message: string
}

export interface Comparison {
  baseline: {profile: string; startedAt: string; ok: boolean}
  candidate: {profile: string; startedAt: string; ok: boolean}
  latencies: LatencyRow[]
  counters: CounterRow[]
  thresholds: ThresholdRow[]
  judgements: Judgement[]
  /** Every limit within or worse-within-noise. */
  ok: boolean
}

export interface CompareOptions {
  limits: readonly RegressionLimit[]
  /** Compare runs of different profiles instead of refusing (IMH_ERR_COMPARE_MISMATCH). */
  anyProfile?: boolean
  z?: number
}

const round = (n: number): number => Math.round(n * 1000) / 1000

function latencyRow(metric: string, a: ResultsJson, b: ResultsJson): LatencyRow {
  const pick = (r: ResultsJson): LatencyRow['baseline'] => {
    const m = r.metrics[metric]
    return m && {count: m.count, p50: m.p50, p90: m.p90, p99: m.p99, p999: m.p999}
  }
  return {metric, baseline: pick(a), candidate: pick(b)}
}

function counterRows(a: ResultsJson, b: ResultsJson): CounterRow[] {
  const rows: CounterRow[] = []
  for (const name of new Set([...Object.keys(a.counters), ...Object.keys(b.counters)])) rows.push({name, baseline: a.counters[name] ?? 0, candidate: b.counters[name] ?? 0})
  for (const code of new Set([...Object.keys(a.errors ?? {}), ...Object.keys(b.errors ?? {})])) rows.push({name: `errors{${code}}`, baseline: a.errors?.[code] ?? 0, candidate: b.errors?.[code] ?? 0})
  return rows
}

function thresholdRows(a: ResultsJson, b: ResultsJson): ThresholdRow[] {
  const rows = new Map<string, ThresholdRow>()
  const add = (r: ResultsJson, side: 'baseline' | 'candidate'): void => {
    for (const t of r.thresholds) {
      const key = `${t.metric}\u0000${t.expression}`
      const row = rows.get(key) ?? {metric: t.metric, expression: t.expression}
      row[side] = t.ok
      rows.set(key, row)
    }
  }
  add(a, 'baseline')
  add(b, 'candidate')
  return [...rows.values()]
}

function histogramOf(r: ResultsJson, metric: string): LatencyHistogram | undefined {
  const m = r.metrics[metric]
  return m && m.count > 0 ? LatencyHistogram.decode(m.histogram) : undefined
}

function judgeLatency(limit: RegressionLimit, a: ResultsJson, b: ResultsJson, z: number): Judgement {
  const ha = histogramOf(a, limit.metric)
  const hb = histogramOf(b, limit.metric)
  const stat = limit.stat
  const interval = (h: LatencyHistogram): Interval => (stat.kind === 'avg' ? meanInterval(h, z) : percentileInterval(h, stat.kind === 'percentile' ? stat.percentile : 50, z))
  const none: Interval = {value: 0, low: 0, high: 0}
  if (!ha || !hb) {
    const which = !ha ? 'the baseline' : 'the candidate'
    return {limit, verdict: 'no-data', baseline: ha ? interval(ha) : none, candidate: hb ? interval(hb) : none, allowed: 0, message: `${limit.source}: ${which} has no ${limit.metric} samples, so nothing shows it did not regress`}
  }
  const base = interval(ha)
  const cand = interval(hb)
  const grow = (v: number): number => (limit.relative ? v * (1 + limit.amount) : v + limit.amount)
  const allowed = grow(base.value)
  const shown = `${round(base.value)} -> ${round(cand.value)} ms (allowed ${round(allowed)})`
  if (cand.value <= allowed) return {limit, verdict: 'within', baseline: base, candidate: cand, allowed, message: `${limit.source}: ${shown}`}
  const intervals = `99% intervals ${round(base.low)}–${round(base.high)} and ${round(cand.low)}–${round(cand.high)} ms`
  // Beyond sampling chance: even the candidate's lowest plausible value is past what the baseline's highest plausible value allows.
  if (!(cand.low > grow(base.high))) return {limit, verdict: 'worse-within-noise', baseline: base, candidate: cand, allowed, message: `${limit.source}: worse, ${shown}, but within the runs' noise (${intervals} overlap past the allowance)`}
  // Beyond run-to-run chance: samples of one run are not independent (a slow second slows many),
  // so the seconds are the independent unit. The candidate's per-second values must be higher than
  // the baseline's grown by the allowance, second for second, by a rank test: a few bad seconds
  // (a busy CI machine) do not make a regression, a shift in most seconds does.
  const perSecond = secondsTest(limit, a, b, grow)
  if (perSecond.z !== undefined && perSecond.z <= Z_ONE_SIDED_99) {
    return {limit, verdict: 'worse-within-noise', baseline: base, candidate: cand, allowed, message: `${limit.source}: worse, ${shown}, but not in most seconds (${perSecond.what}: Mann–Whitney z ${perSecond.z.toFixed(2)} ≤ ${Z_ONE_SIDED_99}); ${intervals}`}
  }
  return {limit, verdict: 'regressed', baseline: base, candidate: cand, allowed, message: `${limit.source}: regressed, ${shown}; ${intervals}${perSecond.z === undefined ? `; ${perSecond.what}` : `; ${perSecond.what}: Mann–Whitney z ${perSecond.z.toFixed(2)}`}`}
}

/** Fewest seconds with samples a run needs for the per-second test; shorter runs are judged on their intervals alone. */
export const MIN_SECONDS = 5

/**
 * The per-second statistic nearest to the limit's (results.json keeps each second's p50 and
 * p99: p99 stands for tail percentiles from p90 up, p50 for the rest and the mean) of both runs,
 * compared by {@link mannWhitneyGreater}; `z` undefined when a run has too few seconds.
 */
function secondsTest(limit: RegressionLimit, a: ResultsJson, b: ResultsJson, grow: (v: number) => number): {z?: number; what: string} {
  const key = limit.stat.kind === 'percentile' && limit.stat.percentile >= 90 ? 'p99' : 'p50'
  const series = (r: ResultsJson) => r.timeSeries.flatMap((t) => {
    const m = t.metrics[limit.metric]
    return m && m.count > 0 ? [m[key]] : []
  })
  const sa = series(a).map(grow)
  const sb = series(b)
  const what = `per-second ${key} of ${sa.length} and ${sb.length} seconds`
  if (sa.length < MIN_SECONDS || sb.length < MIN_SECONDS) return {what: `${what} (under ${MIN_SECONDS}: not tested)`}
  return {z: mannWhitneyGreater(sa, sb), what}
}

function judgeCounter(limit: RegressionLimit, a: ResultsJson, b: ResultsJson): Judgement {
  // Counts are exact, not samples: no interval, the allowance alone decides.
  const base = a.counters[limit.metric] ?? 0
  const cand = b.counters[limit.metric] ?? 0
  const allowed = limit.relative ? base * (1 + limit.direction * limit.amount) : base + limit.direction * limit.amount
  const worse = limit.direction === 1 ? cand > allowed : cand < allowed
  const exact = (v: number): Interval => ({value: v, low: v, high: v})
  const shown = `${base} -> ${cand} (allowed ${limit.direction === 1 ? 'at most' : 'at least'} ${round(allowed)})`
  return {limit, verdict: worse ? 'regressed' : 'within', baseline: exact(base), candidate: exact(cand), allowed, message: `${limit.source}: ${worse ? 'regressed, ' : ''}${shown}`}
}

/**
 * Compares a candidate run with a baseline run (both results.json documents): every latency
 * metric's percentiles side by side, counters and errors by code, both runs' threshold outcomes,
 * and each regression limit judged ({@link Judgement}). Throws IMH_ERR_COMPARE_MISMATCH for runs
 * of different profiles unless `anyProfile`.
 */
export function compareRuns(baseline: ResultsJson, candidate: ResultsJson, options: CompareOptions): Comparison {
  if (!options.anyProfile && baseline.meta.profile !== candidate.meta.profile) {
    throw new ImhError('IMH_ERR_COMPARE_MISMATCH', `the baseline ran profile "${baseline.meta.profile}" and the candidate "${candidate.meta.profile}"; --any-profile compares them anyway`, {baseline: baseline.meta.profile, candidate: candidate.meta.profile})
  }
  const z = options.z ?? Z_99
  // The metrics each run's own report shows (no `_uncorrected` twin that repeats its metric), in display order.
  const metrics = orderMetrics([...reportedLatencies(baseline.metrics, baseline.meta.scenarios), ...reportedLatencies(candidate.metrics, candidate.meta.scenarios)])
  const judgements = options.limits.map((l) => (l.stat.kind === 'count' ? judgeCounter(l, baseline, candidate) : judgeLatency(l, baseline, candidate, z)))
  const label = (r: ResultsJson) => ({profile: r.meta.profile, startedAt: r.meta.startedAt, ok: r.ok})
  return {
    baseline: label(baseline),
    candidate: label(candidate),
    latencies: metrics.map((m) => latencyRow(m, baseline, candidate)),
    counters: counterRows(baseline, candidate),
    thresholds: thresholdRows(baseline, candidate),
    judgements,
    ok: judgements.every((j) => j.verdict === 'within' || j.verdict === 'worse-within-noise'),
  }
}
