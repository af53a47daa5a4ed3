/**
 * One tunable limit, declared once: its default, its range, its unit and the PROTOCOL.md section
 * that defines it. `imh serve` flags, config validation, the conformance target's short values
 * and the docs tables are derived from these declarations, never written out again.
 */
export interface LimitSpec<K extends string = string> {
  key: K
  default: number
  min: number
  max: number
  unit: 'ms' | 's' | 'bytes' | 'count' | 'datagrams/s' | 'datagrams' | 'ports'
  /** PROTOCOL.md section that defines the limit, e.g. "5.3". */
  section: string
  /** One line for `--help` and the docs. */
  description: string
  /** The `imh serve` flag that sets it (kebab-case, without dashes); absent: no flag. */
  flag?: string
  /** What the embedded target of `imh conform` uses, so that cases waiting it out run in seconds. */
  conformValue?: number
}

/** Keeps the literal keys of a list of specs, so the derived records are typed by key. */
export function defineLimits<const T extends readonly LimitSpec[]>(specs: T): T {
  return specs
}

export type LimitKeys<T extends readonly LimitSpec[]> = T[number]['key']

/** `{key: default}` of a list of specs. */
export function limitDefaults<T extends readonly LimitSpec[]>(specs: T): Record<LimitKeys<T>, number> {
  return Object.fromEntries(specs.map((s) => [s.key, s.default])) as Record<LimitKeys<T>, number>
}
