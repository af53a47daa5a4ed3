import {ImhError} from '../../protocol/errors.js'
import type {ThresholdOutcome, ThresholdSpec} from '../types.js'
import {METRICS, metricKind, type MetricKind} from './catalogue.js'
import type {MetricsAggregate} from './registry.js'

export const THRESHOLD_AGGREGATIONS = ['p', 'avg', 'min', 'max', 'med', 'count', 'rate'] as const
export type ThresholdAggregation = (typeof THRESHOLD_AGGREGATIONS)[number]
export const THRESHOLD_OPERATORS = ['<', '<=', '>', '>=', '==', '!=', '==='] as const
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number]

/** One k6 threshold expression, e.g. `p(99)<50` → {aggregation: 'p', percentile: 99, op: '<', value: 50}. */
export interface ParsedThreshold {
  source: string
  aggregation: ThresholdAggregation
  /** Only for `p`: 0 < percentile <= 100. */
  percentile?: number
  op: ThresholdOperator
  value: number
}

/** A threshold spec whose expressions all parsed and fit their metric. */
export interface ValidatedThreshold {
  metric: string
  kind: MetricKind
  expressions: Array<ParsedThreshold & {abortOnFail: boolean; delayAbortEvalMs: number}>
}

const AGGREGATIONS_BY_KIND: Record<MetricKind, readonly ThresholdAggregation[]> = {
  trend: THRESHOLD_AGGREGATIONS,
  counter: ['count', 'rate'],
  ratio: ['rate'],
}

const ALLOWED = 'allowed: p(N) with 0 < N <= 100, avg, min, max, med, count, rate; then one of < <= > >= == != ===; then a number (e.g. "p(99)<50")'

// Longer operators first so '<=' is not read as '<' followed by '=5'.
const EXPRESSION = /^\s*(?:p\(\s*(\d+(?:\.\d+)?)\s*\)|(avg|min|max|med|count|rate))\s*(===|==|!=|<=|>=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/

function invalid(message: string, details: Record<string, unknown>): ImhError {
  return new ImhError('IMH_ERR_THRESHOLD_INVALID', message, details)
}

/** Parses one k6 threshold expression; throws IMH_ERR_THRESHOLD_INVALID saying what is allowed. */
export function parseThresholdExpression(source: string): ParsedThreshold {
  const m = EXPRESSION.exec(source)
  if (m === null) throw invalid(`threshold "${source}" does not parse; ${ALLOWED}`, {expression: source})
  const [, pct, name, op, num] = m
  const value = Number(num)
  if (pct !== undefined) {
    const percentile = Number(pct)
    if (!(percentile > 0 && percentile <= 100)) {
      throw invalid(`threshold "${source}": percentile ${pct} is outside 0 < N <= 100; ${ALLOWED}`, {expression: source})
    }
    return {source, aggregation: 'p', percentile, op: op as ThresholdOperator, value}
  }
  return {source, aggregation: name as ThresholdAggregation, op: op as ThresholdOperator, value}
}

/**
 * Parses every expression and checks it against the catalogue: the metric must be known and the
 * aggregation one its kind has (counters: count and rate). Throws IMH_ERR_THRESHOLD_INVALID.
 */
export function validateThresholds(specs: ThresholdSpec[]): ValidatedThreshold[] {
  return specs.map((spec) => {
    const kind = metricKind(spec.metric)
    if (kind === undefined) {
      const known = METRICS.map((d) => d.name).join(', ')
      throw invalid(`threshold on unknown metric "${spec.metric}"; known metrics: ${known}`, {metric: spec.metric})
    }
    const expressions = spec.expressions.map((e) => {
      const parsed = parseThresholdExpression(e.source)
      const allowed = AGGREGATIONS_BY_KIND[kind]
      if (!allowed.includes(parsed.aggregation)) {
        const shown = allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')
        throw invalid(
          `threshold "${e.source}" on ${kind} metric "${spec.metric}": ${parsed.aggregation === 'p' ? 'p(N)' : parsed.aggregation} does not apply; a ${kind} has ${shown}`,
          {metric: spec.metric, expression: e.source},
        )
      }
      return {...parsed, abortOnFail: e.abortOnFail, delayAbortEvalMs: e.delayAbortEvalMs}
    })
    return {metric: spec.metric, kind, expressions}
  })
}

function compare(actual: number, op: ThresholdOperator, value: number): boolean {
  switch (op) {
    case '<': return actual < value
    case '<=': return actual <= value
    case '>': return actual > value
    case '>=': return actual >= value
    case '==':
    case '===': return actual === value
    case '!=': return actual !== value
  }
}

function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0
}

function failReason(t: ParsedThreshold, actual: number): string {
  const label = t.aggregation === 'p' ? `p(${t.percentile})` : t.aggregation
  return `${label} is ${Number(actual.toFixed(3))}, wanted ${t.op} ${t.value}`
}

// null: the metric has no data, so there is nothing to judge.
function actualValue(kind: MetricKind, metric: string, t: ParsedThreshold, agg: MetricsAggregate, elapsedMs: number, ratios: Record<string, number>): number | null {
  if (kind === 'ratio') return ratios[metric] ?? null
  if (kind === 'counter') {
    if (!agg.hasCounter(metric)) return null
    const n = agg.counter(metric)
    return t.aggregation === 'rate' ? perSecond(n, elapsedMs) : n
  }
  const h = agg.histogram(metric)
  if (h === undefined || h.isEmpty) return null
  switch (t.aggregation) {
    case 'p': return h.percentile(t.percentile ?? 100)
    case 'avg': return h.mean
    case 'min': return h.min
    case 'max': return h.max
    case 'med': return h.percentile(50)
    case 'count': return h.count
    case 'rate': return perSecond(h.count, elapsedMs)
  }
}

/**
 * Judges every expression against the merged metrics. Trend aggregations are in ms; `rate` is
 * per second of `elapsedMs` (0 when `elapsedMs` is 0) for trends and counters, and for a ratio
 * its value in `opts.ratios` (absent until the coordinator works it out at the end). A metric without data fails with
 * `actual: null`: a trend without samples, or a counter nothing reported (except the counters
 * the coordinator always reports, where 0 is data). With `final: false` the reason says so
 * ("no samples yet") and {@link shouldAbort} ignores such outcomes. Throws like
 * {@link validateThresholds}.
 */
export function evaluateThresholds(specs: ThresholdSpec[], agg: MetricsAggregate, elapsedMs: number, opts: {final: boolean; ratios?: Record<string, number>}): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = []
  for (const spec of validateThresholds(specs)) {
    for (const t of spec.expressions) {
      const actual = actualValue(spec.kind, spec.metric, t, agg, elapsedMs, opts.ratios ?? {})
      const base = {metric: spec.metric, expression: t.source, abortOnFail: t.abortOnFail}
      if (actual === null) {
        outcomes.push({...base, ok: false, actual: null, reason: opts.final ? 'no samples' : 'no samples yet'})
      } else {
        const ok = compare(actual, t.op, t.value)
        outcomes.push(ok ? {...base, ok, actual} : {...base, ok, actual, reason: failReason(t, actual)})
      }
    }
  }
  return outcomes
}

/**
 * Whether the run should stop now: some failed outcome's expression has abortOnFail and
 * `elapsedMs` >= its delayAbortEvalMs. Outcomes without data (`actual: null`) never abort: that
 * metric has just not started.
 */
export function shouldAbort(outcomes: ThresholdOutcome[], specs: ThresholdSpec[], elapsedMs: number): boolean {
  const delays = new Map<string, number>()
  for (const spec of specs) {
    for (const e of spec.expressions) {
      if (e.abortOnFail) delays.set(`${spec.metric}\u0000${e.source}`, e.delayAbortEvalMs)
    }
  }
  return outcomes.some((o) => {
    if (o.ok || o.actual === null || !o.abortOnFail) return false
    const delay = delays.get(`${o.metric}\u0000${o.expression}`)
    return delay !== undefined && elapsedMs >= delay
  })
}
