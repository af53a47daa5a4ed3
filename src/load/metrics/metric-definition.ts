/**
 * How a metric aggregates: trends keep a latency histogram, counters a running sum, ratios one
 * fraction the coordinator works out at the end (`rate` is that fraction, as in k6's Rate).
 */
export type MetricKind = 'trend' | 'counter' | 'ratio'
/**
 * `kB/s`: a rate in units of 1000 bytes per second. The histogram keeps integer millionths of the
 * recorded value, so a rate recorded in kB/s is kept to the byte per second (up to 3.6 GB/s).
 */
export type MetricUnit = 'ms' | 'count' | 'bytes' | 'kB/s' | 'fraction'

/**
 * One metric `imh load` records; `description` is user-facing (summaries, docs). The name is a
 * literal type, so that a scenario's recorder accepts only the names its module declares.
 */
export interface MetricDefinition<N extends string = string, K extends MetricKind = MetricKind> {
  readonly name: N
  readonly kind: K
  readonly unit: MetricUnit
  readonly description: string
  /**
   * Counters: reported, as 0 when nothing counted, whenever a scenario declaring it ran, so that a
   * threshold like `lost: count==0` judges a real 0 rather than failing for lack of samples.
   */
  readonly reportZero?: boolean
  /** Counters no worker can count alone: how the coordinator joins what every worker saw (joined-counter.ts). */
  readonly join?: CounterJoin<any, any>
}

/**
 * How a counter that no worker can count alone is counted (chat's `lost`: a message acknowledged
 * in one worker and delivered in another): each worker keeps one tally, shared by every scenario
 * of the worker that declares the counter; after the drain it sends `report(tally)` with its final
 * message, and the coordinator sets the counter to `join` of every worker's report.
 */
export interface CounterJoin<T, R> {
  /** A worker's empty tally. */
  tally(): T
  /** What the worker sends (it crosses a process boundary: plain data). */
  report(tally: T): R
  join(reports: readonly R[]): number
}

/** A latency (or, with `unit`, another distribution) kept as a histogram. */
export function trend<const N extends string>(name: N, description: string, unit: MetricUnit = 'ms'): MetricDefinition<N, 'trend'> {
  return {name, kind: 'trend', unit, description}
}

/** A running sum. */
export function counter<const N extends string>(name: N, description: string, o: {unit?: MetricUnit; reportZero?: boolean} = {}): MetricDefinition<N, 'counter'> {
  return {name, kind: 'counter', unit: o.unit ?? 'count', description, ...(o.reportZero ? {reportZero: true} : {})}
}

/** A fraction from 0 to 1 the coordinator computes once the run is over. */
export function ratio<const N extends string>(name: N, description: string): MetricDefinition<N, 'ratio'> {
  return {name, kind: 'ratio', unit: 'fraction', description}
}

/** The trend names of a list of definitions, as a union of literals. */
export type TrendName<M extends readonly MetricDefinition[]> = Extract<M[number], {kind: 'trend'}>['name']
/** The counter names of a list of definitions, as a union of literals. */
export type CounterName<M extends readonly MetricDefinition[]> = Extract<M[number], {kind: 'counter'}>['name']
