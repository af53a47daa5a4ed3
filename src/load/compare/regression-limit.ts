import {ImhError} from '../../protocol/errors.js'
import {METRICS, metricKind} from '../metrics/catalogue.js'

/** What a limit looks at: a latency statistic of a trend metric, or a counter's count. */
export type LimitStat = {kind: 'percentile'; percentile: number} | {kind: 'avg'} | {kind: 'count'}

/**
 * How much worse the candidate may be than the baseline before `imh compare` calls it a regression.
 * `direction` +1: an increase is worse (latencies, errors); -1: a decrease is worse (throughput).
 * `amount` is a fraction of the baseline when `relative`, else an absolute amount (ms for
 * latencies, a count for counters).
 */
export interface RegressionLimit {
  source: string
  metric: string
  stat: LimitStat
  direction: 1 | -1
  amount: number
  relative: boolean
}

const ALLOWED =
  'allowed: "<latency>:p(N)=+X%" or "…=+Xms", also med or avg for p(N); "<counter>:+N" or "…:+N%" ' +
  '(at most that many more), "<counter>:-N%" (at most N% fewer); e.g. "sync_latency:p(99)=+10%", "errors:+0", "http_reqs:-5%"'

// metric ':' [stat '='] sign number ['%' | 'ms']
const LIMIT = /^\s*([a-z_][a-z0-9_]*)\s*:\s*(?:(p\(\s*(\d+(?:\.\d+)?)\s*\)|med|avg)\s*=\s*)?([+-])\s*(\d+(?:\.\d+)?)\s*(%|ms)?\s*$/

function invalid(source: string, why: string): ImhError {
  return new ImhError('IMH_ERR_REGRESSION_INVALID', `regression limit "${source}": ${why}; ${ALLOWED}`, {limit: source})
}

/** Parses one `--max-regression` value (or a profile's `regressions` entry); throws IMH_ERR_REGRESSION_INVALID. */
export function parseRegressionLimit(source: string): RegressionLimit {
  const m = LIMIT.exec(source)
  if (m === null) throw invalid(source, 'does not parse')
  const [, metric = '', statText, pct, sign, num, unit] = m
  const kind = metricKind(metric)
  if (kind === undefined) throw invalid(source, `unknown metric "${metric}" (known: ${METRICS.map((d) => d.name).join(', ')})`)
  const amount = Number(num) / (unit === '%' ? 100 : 1)
  const direction = sign === '+' ? 1 : -1
  const base = {source: source.trim(), metric, direction, amount, relative: unit === '%'} as const
  if (kind === 'trend') {
    if (statText === undefined) throw invalid(source, `"${metric}" is a latency: say which statistic (p(N), med or avg)`)
    if (direction === -1) throw invalid(source, 'a latency regresses when it grows: the allowance is "+…"')
    const stat: LimitStat = statText === 'avg' ? {kind: 'avg'} : {kind: 'percentile', percentile: statText === 'med' ? 50 : Number(pct)}
    if (stat.kind === 'percentile' && !(stat.percentile > 0 && stat.percentile < 100)) throw invalid(source, `percentile ${pct} is outside 0 < N < 100`)
    return {...base, stat}
  }
  if (kind === 'counter') {
    if (statText !== undefined) throw invalid(source, `"${metric}" is a counter: its limit is on its count, with no statistic`)
    if (unit === 'ms') throw invalid(source, 'a counter counts; its allowance is a number or a percentage')
    if (direction === -1 && !base.relative) throw invalid(source, 'a decrease is limited as a percentage ("-5%")')
    return {...base, stat: {kind: 'count'}}
  }
  throw invalid(source, `"${metric}" is a ratio metric, which imh compare does not judge yet`)
}
