import {JSONPath} from 'jsonpath-plus'
import {invalid, MapReader, show, type Check} from '../profile/fields.js'

/** Reads one value out of a parsed frame (undefined: not there). */
export type JsonGetter = (frame: unknown) => unknown

// `$.a.b`, `$.a[0]`, `$['a b']`: a plain walk down keys, no JSONPath machinery. Most frames are
// matched by such paths, and a frame is matched against several on every message.
const SIMPLE = /^\$(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\['[^'\\]*'\])*$/
const STEP = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['([^'\\]*)'\]/g

/**
 * Compiles a JSONPath once. A plain dotted path (`$.type`, `$.data.body`, `$.list[0]`) becomes a
 * walk down its keys; anything else (filters, wildcards, `..`) is evaluated by jsonpath-plus
 * (`eval: 'safe'`, its first match). A micro-check on this machine (not a test): 1e5 look-ups of
 * `$.data.body` took 12 ms walked and 103 ms through jsonpath-plus, ~9× — a path is
 * looked up several times per frame, so the walk is worth its ten lines. Throws an Error saying
 * what is wrong with `path`.
 */
export function compilePath(path: string): JsonGetter {
  if (!path.startsWith('$')) throw new Error(`a JSONPath starts with $ (e.g. $.type), got ${JSON.stringify(path)}`)
  if (SIMPLE.test(path)) {
    const keys = [...path.matchAll(STEP)].map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]!))
    return (frame) => {
      let v: unknown = frame
      for (const k of keys) {
        if (typeof v !== 'object' || v === null) return undefined
        v = (v as Record<string | number, unknown>)[k]
      }
      return v
    }
  }
  // Compile-time check: jsonpath-plus parses lazily, so run the path once on a sample frame.
  // ignoreEvalErrors: a filter failing on some frame (`@.a.b` where a is absent) is no match,
  // here and per frame, while a syntax error still throws.
  try {
    JSONPath({path, json: {a: [{b: 1}]}, wrap: true, eval: 'safe', ignoreEvalErrors: true})
  } catch (err) {
    throw new Error(`${JSON.stringify(path)} is not a JSONPath jsonpath-plus can evaluate: ${(err as Error).message}`)
  }
  return (frame) => {
    if (typeof frame !== 'object' || frame === null) return undefined
    const found = JSONPath({path, json: frame, wrap: true, eval: 'safe', ignoreEvalErrors: true}) as unknown[] | undefined
    return found?.[0]
  }
}

/** A JSONPath option's check (`body: $.body`). */
export const pathField: Check<JsonGetter> = Object.assign((value: unknown, field: string, file: string): JsonGetter => {
  if (typeof value !== 'string') throw invalid(file, field, `expected a JSONPath such as $.type, got ${show(value)}`)
  try {
    return compilePath(value)
  } catch (err) {
    throw invalid(file, field, (err as Error).message)
  }
}, {what: 'a JSONPath such as $.type'})

/** How a kind of frame is recognised, and where its fields are. */
export interface FrameMatch<F extends string = string> {
  /** Whether `frame` has every value `match` asks for. */
  test(frame: unknown): boolean
  /** Its field getters by name (`id`, `body`, …); absent when the profile left an optional one out. */
  readonly get: Readonly<Partial<Record<F, JsonGetter>>>
}

type Scalar = string | number | boolean | null

/**
 * The check of a frame kind: a map `{match: {<jsonpath>: value, …}, <field>: <jsonpath>, …}`;
 * `fields` names the field paths it takes (`true`: required). A match value is a string, number,
 * true, false or null, compared with `===` (so `1` and `'1'` differ, as they do in JSON).
 */
export function frameMatchField<F extends string>(fields: Readonly<Record<F, boolean>>): Check<FrameMatch<F>> {
  const names = Object.keys(fields) as F[]
  const extra = names.map((f) => `, ${f}: <jsonpath>${fields[f] ? '' : ' (optional)'}`).join('')
  const what = `a map {match: {<jsonpath>: value, …}${extra}}`
  const fn = (value: unknown, field: string, file: string): FrameMatch<F> => {
    const r = new MapReader(file, field, value, what)
    r.unknown(['match', ...names])
    const m = new MapReader(file, r.field('match'), r.map.match ?? {}, 'a map of <jsonpath>: value')
    const tests: Array<[JsonGetter, Scalar]> = Object.entries(m.map).map(([path, want]) => {
      const at = `${m.path}[${JSON.stringify(path)}]`
      if (want !== null && !['string', 'number', 'boolean'].includes(typeof want)) throw invalid(file, at, `expected a string, number, true, false or null to compare with, got ${show(want)}`)
      return [pathField(path, at, file), want as Scalar]
    })
    if (tests.length === 0) r.fail('match', `required; expected at least one <jsonpath>: value, e.g. {"$.type": "ack"}`)
    const get: Partial<Record<F, JsonGetter>> = {}
    for (const f of names) {
      const g = fields[f] ? r.required(f, pathField) : r.optional(f, pathField)
      if (g) get[f] = g
    }
    return {
      test(frame) {
        for (const [g, want] of tests) if (g(frame) !== want) return false
        return true
      },
      get,
    }
  }
  return Object.assign(fn, {what, format: () => '(match)'})
}
