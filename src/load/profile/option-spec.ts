import type {Check, MapReader} from './fields.js'

/**
 * One option of a scenario kind, declared once: the profile parser reads and checks it with
 * `check`, fills in `default`, and docs/profiles.md shows `field`, `check.what`, the default and
 * `doc`. The factory receives the parsed value under the option's property name.
 */
export interface OptionSpec<T = unknown, V extends T | undefined = T | undefined> {
  /** The field's name in a profile, e.g. `heartbeatInterval` (the property may be `heartbeatIntervalMs`). */
  readonly field: string
  /** Reads and checks the value; its `what` is the range errors and docs show. */
  readonly check: Check<T>
  /** The value when the field is absent; undefined: the option stays absent. */
  readonly default: V
  /** What the default means, for docs, when the value alone does not say it ("the target"). */
  readonly defaultDoc?: string
  /** One line for docs/profiles.md. */
  readonly doc: string
}

/** An option with a default: the factory always receives a value. */
export function option<T>(o: {field: string; check: Check<T>; default: NoInfer<T>; defaultDoc?: string; doc: string}): OptionSpec<T, T>
/** An option without a default: absent unless the profile sets it; `defaultDoc` says what happens then. */
export function option<T>(o: {field: string; check: Check<T>; defaultDoc: string; doc: string}): OptionSpec<T, T | undefined>
export function option<T>(o: {field: string; check: Check<T>; default?: T; defaultDoc?: string; doc: string}): OptionSpec<T, T | undefined> {
  return {...o, default: o.default}
}

/** A scenario kind's options, by property name. */
export type OptionDecls = Readonly<Record<string, OptionSpec<any, any>>>

export type Simplify<T> = {[K in keyof T]: T[K]} & {}
type ValueOf<S> = S extends OptionSpec<any, infer V> ? V : never

/** The options a factory receives: a property per declared option; optional only when it has no default. */
export type ParsedOptions<O extends OptionDecls> = Simplify<
  {-readonly [K in keyof O as undefined extends ValueOf<O[K]> ? never : K]: ValueOf<O[K]>}
  & {-readonly [K in keyof O as undefined extends ValueOf<O[K]> ? K : never]?: Exclude<ValueOf<O[K]>, undefined>}
>

/** Reads every option `decls` declares from `r`, defaulted; absent ones without a default stay absent. */
export function readOptions(r: MapReader, decls: OptionDecls): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [property, o] of Object.entries(decls)) {
    const value = readOption(r, o)
    if (value !== undefined) out[property] = value
  }
  return out
}

/** One option from `r`, or its default. */
export function readOption<T, V extends T | undefined>(r: MapReader, o: OptionSpec<T, V>): T | V {
  return r.optional(o.field, o.check) ?? o.default
}
