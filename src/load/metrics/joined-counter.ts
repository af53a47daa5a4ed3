import type {CounterJoin, MetricDefinition} from './metric-definition.js'

/** A counter the coordinator joins over every worker's tally (see CounterJoin). */
export interface JoinedCounter<N extends string = string, T = unknown, R = unknown> extends MetricDefinition<N, 'counter'> {
  readonly join: CounterJoin<T, R>
}

/** Declares a joined counter; it is reported, as 0 too, whenever a scenario declaring it ran. */
export function joinedCounter<const N extends string, T, R>(name: N, description: string, join: CounterJoin<T, R>): JoinedCounter<N, T, R> {
  return {name, kind: 'counter', unit: 'count', description, reportZero: true, join}
}

/** One worker's tallies of the joined counters its scenarios declare, by counter name. */
export class Tallies {
  private readonly byName = new Map<string, {join: CounterJoin<unknown, unknown>; tally: unknown}>()

  /** The worker's tally of `counter`, created on first use. */
  of<T>(counter: JoinedCounter<string, T, any>): T {
    let held = this.byName.get(counter.name)
    if (!held) this.byName.set(counter.name, (held = {join: counter.join as CounterJoin<unknown, unknown>, tally: counter.join.tally()}))
    return held.tally as T
  }

  /** What the worker sends with its final message: each tally's report, by counter name. */
  reports(): Record<string, unknown> {
    return Object.fromEntries([...this.byName].map(([name, held]) => [name, held.join.report(held.tally)]))
  }
}

/** The value of counter `name` from the final reports of every worker (a worker that kept no tally of it adds nothing). */
export function joinReports(name: string, join: CounterJoin<any, any>, reports: readonly Record<string, unknown>[]): number {
  return join.join(reports.flatMap((r) => (name in r ? [r[name]] : [])))
}
