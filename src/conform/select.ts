import picomatch from 'picomatch'
import {ImhError} from '../protocol/index.js'
import {inSections} from './case-module.js'
import type {ConformanceCase} from './types.js'

/** Picks cases by id globs (`sync.*`); exclusions win. An include glob that matches nothing is a usage error. */
export function selectCases(all: readonly ConformanceCase[], include: string[] = [], exclude: string[] = []): ConformanceCase[] {
  for (const glob of include) {
    const m = picomatch(glob)
    if (!all.some((c) => m(c.id))) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `--case "${glob}" matches no case; list them with --list`, {option: 'case'})
    }
  }
  const inc = include.length > 0 ? picomatch(include) : () => true
  const exc = exclude.length > 0 ? picomatch(exclude) : () => false
  return all.filter((c) => inc(c.id) && !exc(c.id))
}

/** Which flows and PROTOCOL.md sections to keep; empty or absent keeps all. */
export interface CaseFilter {
  /** Flow ids, e.g. `core`, `qr`. */
  flows?: readonly string[]
  /** Sections, e.g. `6` (all of §6) or `10.2`. */
  sections?: readonly string[]
}

/** Picks the cases of some flows and sections, in suite order. A flow or section no case has is a usage error. */
export function filterCases(all: readonly ConformanceCase[], {flows = [], sections = []}: CaseFilter): ConformanceCase[] {
  for (const flow of flows) {
    if (!all.some((c) => c.flow === flow)) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `--flow "${flow}" has no case; the flows are ${[...new Set(all.map((c) => c.flow))].join(', ')}`, {option: 'flow'})
    }
  }
  for (const section of sections) {
    if (!all.some((c) => inSections(c.section, [section]))) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `--section "${section}" has no case; list them with --list`, {option: 'section'})
    }
  }
  return all.filter((c) => (flows.length === 0 || flows.includes(c.flow)) && (sections.length === 0 || inSections(c.section, sections)))
}
