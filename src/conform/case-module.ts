import type {CaseDefinition, ConformanceCase, FeatureProbe} from './types.js'

/** What a flow's conformance module declares, once; `defineCaseModule` turns it into a {@link CaseModule}. */
export interface CaseModuleDefinition<F extends string> {
  /** The flow id, the same in every layer: core, qr, talk, nearby, shake, bottle, moments, media … */
  flow: F
  /** What the flow covers, in a few words (docs and reports). */
  title: string
  /** The top-level PROTOCOL.md sections the flow's cases may cite, in order, e.g. `['10']`. */
  sections: readonly string[]
  /**
   * How the runner tells, once per run and before any of the flow's cases, whether the target
   * implements this optional feature beyond announcing it (PROTOCOL.md §2.2): the flow's first
   * command, whose IMH_ERR_UNKNOWN_CMD or 404 answer means it does not (cases/probes.ts). Only
   * optional flows (every flow but core) have one; without it, being announced is enough.
   */
  probe?: FeatureProbe
  /** The cases, in the order they run and are listed. */
  cases: readonly CaseDefinition[]
}

/** One flow's conformance cases; the catalogue (`cases/index.ts`) is the list of these. */
export interface CaseModule<F extends string = string> {
  readonly flow: F
  readonly title: string
  readonly sections: readonly string[]
  /** The feature probe, if the module declares one. */
  readonly probe?: FeatureProbe
  /** The cases with `flow` (and the probe, if any) set. */
  readonly cases: readonly ConformanceCase[]
}

/** Declares a flow's conformance module: stamps the flow and its feature probe on every case. */
export function defineCaseModule<const F extends string>(def: CaseModuleDefinition<F>): CaseModule<F> {
  const cases = def.cases.map((c): ConformanceCase => ({...c, flow: def.flow, ...(def.probe ? {probe: def.probe} : {})}))
  return {flow: def.flow, title: def.title, sections: def.sections, ...(def.probe ? {probe: def.probe} : {}), cases}
}

/** Whether `section` (e.g. "10.2") lies in one of `sections` (e.g. ["10"]). */
export function inSections(section: string, sections: readonly string[]): boolean {
  return sections.some((s) => section === s || section.startsWith(`${s}.`))
}
