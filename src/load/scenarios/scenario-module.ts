import type {VuFactory} from '../executors/virtual-user.js'
import type {EngineCounter, EngineTrend} from '../metrics/engine-metrics.js'
import type {CounterName, MetricDefinition, TrendName} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {type OptionDecls, type ParsedOptions, type Simplify, option} from '../profile/option-spec.js'
import type {ScenarioContext} from './context.js'

export {type OptionDecls, type OptionSpec, type ParsedOptions, option} from '../profile/option-spec.js'

/** Options every scenario kind takes, after its own. */
export const COMMON_OPTIONS = {
  requestTimeoutMs: option({field: 'requestTimeout', check: durationField({positive: true}), default: 10_000, doc: 'time limit of each request'}),
} as const satisfies OptionDecls

export type CommonOptions = ParsedOptions<typeof COMMON_OPTIONS>

/** Everything a factory of a module with options `O` receives under `ctx.options`. */
export type ModuleOptions<O extends OptionDecls> = Simplify<ParsedOptions<O> & CommonOptions>

type NumberKey<P> = {[K in keyof P]-?: number extends P[K] ? K : never}[keyof P] & string

/**
 * What `imh load --rate R` (R per second over the scenario) does to this kind under a VU executor
 * (under arrival-rate executors it always sets the executor's rate):
 * - `as: 'rate'`: sets option `sets` to R / peak VUs (a rate per client);
 * - `as: 'interval'`: sets option `sets` (ms) to peak VUs / R seconds, rounded to whole ms;
 * - no `sets`: the kind has no rate to set and is left as it is; `doc` says why (and what to do instead).
 * `unit` names what R counts ("messages", "heartbeats"); `counts`, the counter that counts them
 * when no other kind declares it, so the run can say whether the rate was achieved (rate-check.ts).
 */
export type RateSpec<P> =
  | {readonly sets: NumberKey<P>; readonly as: 'rate' | 'interval'; readonly unit: string; readonly counts?: string}
  | {readonly sets?: undefined; readonly doc: string}

/** The context a module's factory receives: its options typed, its recorder narrowed to its metric names. */
export type ModuleContext<O extends OptionDecls, M extends readonly MetricDefinition[]> =
  ScenarioContext<ModuleOptions<O>, TrendName<M> | EngineTrend, CounterName<M> | EngineCounter>

/**
 * A scenario kind of `imh load`, in one place: what it is, its options, the metrics it records
 * beyond the engine's, whether it needs the scheduler, what `--rate` means for it, and its factory.
 * The list in scenarios/index.ts derives the profile parser, the overrides, the metric catalogue
 * and the generated parts of docs/profiles.md from these.
 */
export interface ScenarioModule<K extends string = string, O extends OptionDecls = OptionDecls, M extends readonly MetricDefinition[] = readonly MetricDefinition[]> {
  /** The value of `scenario:` in a profile. */
  readonly kind: K
  /** One line: what each virtual client does. */
  readonly summary: string
  /** Markdown paragraphs for docs/profiles.md: the details a profile author needs. */
  readonly details?: string
  /** Whether it speaks the IM protocol and so needs a scheduler URL. */
  readonly needsScheduler: boolean
  /**
   * Whether its clients speak through the run's client adapter (docs/adapters.md), so that it runs
   * against any server an adapter speaks to; otherwise it speaks our protocol only.
   */
  readonly adapters?: boolean
  readonly options: O
  /** Metrics it records besides the engine's (metrics/engine-metrics.ts); its recorder accepts only these and the engine's. */
  readonly metrics: M
  readonly rate: RateSpec<ParsedOptions<O>>
  /** Makes the scenario's virtual users, from options already parsed and defaulted. */
  create(ctx: ModuleContext<O, M>): VuFactory
}

/** Declares a scenario module; the identity, there for the type inference. */
export function defineScenario<const K extends string, O extends OptionDecls, const M extends readonly MetricDefinition[]>(m: ScenarioModule<K, O, M>): ScenarioModule<K, O, M> {
  return m
}
