import picomatch from 'picomatch'
import {ImhError} from '../protocol/index.js'
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
