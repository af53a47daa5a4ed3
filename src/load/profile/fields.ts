import {ImhError} from '../../protocol/errors.js'

/**
 * Reads and checks one value of a profile; throws IMH_ERR_PROFILE_INVALID naming `field` (a
 * dotted path such as `scenarios.pairs.stages[1].target`) and `file`.
 */
export interface Check<T> {
  (value: unknown, field: string, file: string): T
  /** What a valid value is, for a YAML author: "an integer >= 1". */
  readonly what: string
  /** A value as a profile writes it ('2s' for 2000 ms), for docs; default: `String(value)`. */
  format?(value: T): string
}

/** The error every profile check throws: `<file>: <field>: <msg>`. */
export function invalid(file: string, field: string, msg: string): ImhError {
  return new ImhError('IMH_ERR_PROFILE_INVALID', field ? `${file}: ${field}: ${msg}` : `${file}: ${msg}`, {file, field})
}

/** A value as a YAML author would name it in "got …". */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return JSON.stringify(value)
  return String(value)
}

/** A check whose `test` returns undefined for values it refuses. */
export function check<T>(what: string, test: (value: unknown) => T | undefined): Check<T> {
  const fn = (value: unknown, field: string, file: string): T => {
    const out = test(value)
    if (out === undefined) throw invalid(file, field, `expected ${what}, got ${show(value)}`)
    return out
  }
  return Object.assign(fn, {what})
}

export function integer(min: number, max?: number): Check<number> {
  const what = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
  return check(what, (v) => Number.isSafeInteger(v) && (v as number) >= min && (max === undefined || (v as number) <= max) ? v as number : undefined)
}

export function number(opts: {above: number} | {min: number}): Check<number> {
  const what = 'above' in opts ? `a number > ${opts.above}` : `a number >= ${opts.min}`
  return check(what, (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined
    return ('above' in opts ? v > opts.above : v >= opts.min) ? v : undefined
  })
}

/** A number from `min` to `max`, both included. */
export function numberIn(min: number, max: number): Check<number> {
  return check(`a number from ${min} to ${max}`, (v) => typeof v === 'number' && v >= min && v <= max ? v : undefined)
}

/** A share, 0 to 1. */
export const ratio: Check<number> = numberIn(0, 1)

/** Any string, empty included. */
export const string: Check<string> = check('a string', (v) => typeof v === 'string' ? v : undefined)

/** A URL with one of `protocols` (`'ws:'`, `'https:'`, …). */
export function urlOf(protocols: readonly string[]): Check<string> {
  const schemes = protocols.map((p) => `${p}//`).join(' or ')
  return check(`a ${schemes} URL`, (v) => {
    if (typeof v !== 'string') return undefined
    try {
      return protocols.includes(new URL(v).protocol) ? v : undefined
    } catch {
      return undefined
    }
  })
}

export const text: Check<string> = check('a non-empty string', (v) => typeof v === 'string' && v.trim() !== '' ? v : undefined)

export const bool: Check<boolean> = check('true or false', (v) => typeof v === 'boolean' ? v : undefined)

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  const fn = (value: unknown, field: string, file: string): T => {
    if ((values as readonly unknown[]).includes(value)) return value as T
    const hint = typeof value === 'string' ? didYouMean(value, values) : ''
    throw invalid(file, field, `${show(value)} is not allowed; expected one of ${values.join(', ')}${hint}`)
  }
  return Object.assign(fn, {what: `one of ${values.join(', ')}`})
}

/** A map as a plain object, or the error a YAML author understands. */
export function map(value: unknown, field: string, file: string, what = 'a map'): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  throw invalid(file, field, `expected ${what}, got ${show(value)}`)
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path ? `${path}.${key}` : key
}

/**
 * One YAML map being read: typed getters that name the field on failure, and `unknown()` to
 * refuse keys nobody read, so a typo never passes silently as a default.
 */
export class MapReader {
  readonly map: Record<string, unknown>

  constructor(readonly file: string, readonly path: string, value: unknown, what?: string) {
    this.map = map(value, path, file, what)
  }

  field(key: string): string {
    return join(this.path, key)
  }

  has(key: string): boolean {
    return this.map[key] !== undefined && this.map[key] !== null
  }

  required<T>(key: string, read: Check<T>, why = ''): T {
    if (!this.has(key)) throw invalid(this.file, this.field(key), `required${why}; expected ${read.what}`)
    return read(this.map[key], this.field(key), this.file)
  }

  optional<T>(key: string, read: Check<T>, fallback: T): T
  optional<T>(key: string, read: Check<T>): T | undefined
  optional<T>(key: string, read: Check<T>, fallback?: T): T | undefined {
    return this.has(key) ? read(this.map[key], this.field(key), this.file) : fallback
  }

  fail(key: string, msg: string): never {
    throw invalid(this.file, this.field(key), msg)
  }

  /** Refuses keys not in `allowed`; `explain` may say why a key known elsewhere is not allowed here. */
  unknown(allowed: readonly string[], explain?: (key: string) => string | undefined): void {
    for (const key of Object.keys(this.map)) {
      if (allowed.includes(key)) continue
      const why = explain?.(key) ?? `unknown field ${JSON.stringify(key)}`
      this.fail(key, `${why}; allowed: ${allowed.join(', ')}${didYouMean(key, allowed)}`)
    }
  }
}

/** ` (did you mean "x"?)` when one of `options` is a likely typo of `value`, else ''. */
export function didYouMean(value: string, options: readonly string[]): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const option of options) {
    const d = distance(value.toLowerCase(), option.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [option, d]
  }
  const limit = Math.max(1, Math.floor(value.length / 3))
  return best !== undefined && bestDistance <= limit ? ` (did you mean ${JSON.stringify(best)}?)` : ''
}

function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]!
}
