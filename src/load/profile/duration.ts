import {type Check, invalid, show} from './fields.js'

const UNIT_MS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000} as const
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g
const HINT = "write a duration like '20s' or '500ms'"

/**
 * Parses a k6-style duration ('500ms', '20s', '1m30s', '2h', '1.5s') into whole milliseconds.
 * A bare number is refused (except 0): '20' could mean seconds or milliseconds, and a wrong
 * guess makes a run 1000 times too long or too short. Throws IMH_ERR_PROFILE_INVALID naming
 * `field` and `file`.
 */
export function parseDuration(value: unknown, field: string, file: string): number {
  if (value === 0 || value === '0') return 0
  if (typeof value === 'number') throw invalid(file, field, `${value} has no unit; ${HINT}`)
  if (typeof value !== 'string') throw invalid(file, field, `expected a duration, got ${show(value)}; ${HINT}`)
  const s = value.trim()
  if (!WHOLE.test(s)) throw invalid(file, field, `${show(value)} is not a duration; ${HINT}`)
  let ms = 0
  for (const [, amount, unit] of s.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]
  // Sub-millisecond parts mean nothing to timers; rounding also hides 1.1 * 1000 = 1100.0000000000002.
  return Math.round(ms)
}

/** Formats milliseconds the way profiles write them: '500ms', '20s', '1m30s', '1h5s', '1.5s'. */
export function formatDuration(ms: number): string {
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms < 1000) return `${round3(ms)}ms`
  const h = Math.floor(ms / UNIT_MS.h)
  const m = Math.floor((ms % UNIT_MS.h) / UNIT_MS.m)
  const s = round3((ms % UNIT_MS.m) / 1000)
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

/** parseDuration as a profile field check; `positive` refuses 0. */
export function durationField(opts: {positive?: boolean} = {}): Check<number> {
  const what = opts.positive ? "a duration > 0 like '20s' or '500ms'" : "a duration like '20s' or '500ms'"
  const fn = (value: unknown, field: string, file: string): number => {
    const ms = parseDuration(value, field, file)
    if (opts.positive && ms <= 0) throw invalid(file, field, `expected ${what}, got ${show(value)}`)
    return ms
  }
  return Object.assign(fn, {what, format: formatDuration})
}
