import type {CaseContext} from './context.js'
import type {CaseDefinition, ConformanceCase} from './types.js'

/** What a flow's conformance module declares, once; `defineCaseModule` turns it into a {@link CaseModule}. */
export interface CaseModuleDefinition<F extends string> {
  /** The flow id, the same in every layer: core, qr, talk, nearby, shake, bottle, moments, media … */
  flow: F
  /** What the flow covers, in a few words (docs and reports). */
  title: string
  /** The top-level PROTOCOL.md sections the flow's cases may cite, in order, e.g. `['10']`. */
  sections: readonly string[]
  /**
   * Checked before each of the flow's cases, before it registers anyone: throws `NotApplicable`
   * when the target does not offer the flow at all (e.g. its scheduler lists no address for it).
   */
  precondition?: (ctx: CaseContext) => void
  /** The cases, in the order they run and are listed. */
  cases: readonly CaseDefinition[]
}

/** One flow's conformance cases; the catalogue (`cases/index.ts`) is the list of these. */
export interface CaseModule<F extends string = string> {
  readonly flow: F
  readonly title: string
  readonly sections: readonly string[]
  /** The cases with `flow` set (and the precondition, if any, run first). */
  readonly cases: readonly ConformanceCase[]
}

/** Declares a flow's conformance module: stamps the flow on every case and wraps the precondition around it. */
export function defineCaseModule<const F extends string>(def: CaseModuleDefinition<F>): CaseModule<F> {
  const {precondition} = def
  const cases = def.cases.map((c): ConformanceCase => ({
    ...c,
    flow: def.flow,
    run: precondition
      ? async (ctx) => {
          precondition(ctx)
          return c.run(ctx)
        }
      : c.run,
  }))
  return {flow: def.flow, title: def.title, sections: def.sections, cases}
}

/** Whether `section` (e.g. "10.2") lies in one of `sections` (e.g. ["10"]). */
export function inSections(section: string, sections: readonly string[]): boolean {
  return sections.some((s) => section === s || section.startsWith(`${s}.`))
}
