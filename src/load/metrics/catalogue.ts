import {SCENARIO_MODULES} from '../scenarios/index.js'
import {ENGINE_METRICS, LISTED_FIRST} from './engine-metrics.js'
import type {MetricDefinition, MetricKind} from './metric-definition.js'

export {ALWAYS_REPORTED_COUNTERS} from './engine-metrics.js'
export type {MetricDefinition, MetricKind, MetricUnit} from './metric-definition.js'

/**
 * Every scenario module's metrics and the engine's, in the order summaries list them: trends, then
 * counters; within each, the scenarios' in module order, then the engine's (connection set-up;
 * errors, iterations, bytes), except that engine metrics named in `first` (heartbeat_rtt) lead. A
 * definition several modules share (the avatar cache's) appears once; two different definitions
 * of one name throw.
 */
export function buildCatalogue(engine: readonly MetricDefinition[], modules: ReadonlyArray<{kind: string; metrics: readonly MetricDefinition[]}>, first: readonly string[] = []): MetricDefinition[] {
  const byName = new Map<string, {definition: MetricDefinition; from: string}>()
  const add = (definition: MetricDefinition, from: string): void => {
    const known = byName.get(definition.name)
    if (known === undefined) byName.set(definition.name, {definition, from})
    else if (known.definition !== definition) throw new Error(`metric "${definition.name}" is declared twice: by ${known.from} and by ${from}`)
  }
  for (const d of engine) add(d, 'the engine')
  for (const m of modules) for (const d of m.metrics) add(d, `scenario ${m.kind}`)
  const entries = [...byName.values()]
  const lead = entries.filter((e) => first.includes(e.definition.name))
  const rest = entries.filter((e) => !first.includes(e.definition.name))
  const of = (kind: MetricKind, fromEngine: boolean): typeof entries =>
    rest.filter((e) => e.definition.kind === kind && (e.from === 'the engine') === fromEngine)
  return [...lead, ...of('trend', false), ...of('trend', true), ...of('counter', false), ...of('counter', true), ...of('ratio', false), ...of('ratio', true)].map((e) => e.definition)
}

/** Every metric `imh load` knows, in the order summaries list them. */
export const METRICS: readonly MetricDefinition[] = buildCatalogue(ENGINE_METRICS, SCENARIO_MODULES, LISTED_FIRST)

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]))

/** The definition of a known metric; undefined for any other name. */
export function metricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name)
}

/** The kind of a known metric; undefined for any other name. */
export function metricKind(name: string): MetricKind | undefined {
  return BY_NAME.get(name)?.kind
}

/** The scenario kinds whose modules declare metric `name`; empty for the engine's own. */
export function declaredBy(name: string): string[] {
  return SCENARIO_MODULES.filter((m) => (m.metrics as readonly MetricDefinition[]).some((d) => d.name === name)).map((m) => m.kind)
}
