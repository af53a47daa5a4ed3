import {FEATURES, type Feature, type Group, announcedFeatures, featureFlow, featureGroups, isFeature} from '../protocol/index.js'
import {CaseContext, type Target} from './context.js'
import {CaseFailure, Unimplemented} from './failures.js'
import type {ConformanceCase, FeatureFinding} from './types.js'

/** What the gate decided for a case: run it, or end it with this verdict. */
export type GateDecision =
  | {run: true}
  /** The feature is not implemented: `unimplemented`, or `fail` under --require. */
  | {run: false; verdict: 'unimplemented' | 'fail'; message: string}
  /** The target breaks its own announcement (an announced feature with an empty group): the case fails as its level says. */
  | {run: false; failure: CaseFailure}

interface Decided {
  finding: FeatureFinding
  decision: GateDecision
}

export interface FeatureGateOptions {
  /** Features named by `--require`: their unimplemented cases fail. */
  require?: readonly string[]
  /** The context a probe runs in (its own users and links, cleaned up after). */
  context: () => CaseContext
}

/**
 * Decides once per optional feature (PROTOCOL.md §2.2, §8) whether its cases run: a feature the
 * scheduler does not announce, or whose probe is answered IMH_ERR_UNKNOWN_CMD / 404, is
 * unimplemented; one announced without an address in a group it is served on is a failure. Core
 * cases always run, as do all cases when the scheduler gave no usable answer (they fail saying so).
 */
export class FeatureGate {
  private readonly decided = new Map<Feature, Promise<Decided>>()

  constructor(private readonly target: Target, private readonly options: FeatureGateOptions) {}

  /** The decision for `c`'s feature, probing it the first time it is asked about. */
  async check(c: ConformanceCase): Promise<GateDecision> {
    const feature = c.flow
    if (!isFeature(feature) || !this.target.answer) return {run: true}
    let d = this.decided.get(feature)
    if (!d) {
      d = this.decide(feature, c)
      this.decided.set(feature, d)
    }
    return (await d).decision
  }

  /** What was found of each feature decided so far, in PROTOCOL.md's order. */
  async findings(): Promise<FeatureFinding[]> {
    const all = await Promise.all(this.decided.values())
    const order = (f: string): number => (FEATURES as readonly string[]).indexOf(f)
    return all.map((d) => d.finding).sort((a, b) => order(a.feature) - order(b.feature))
  }

  private async decide(feature: Feature, c: ConformanceCase): Promise<Decided> {
    const answer = this.target.answer!
    const required = this.options.require?.includes(feature) ?? false
    const flow = featureFlow(feature)
    const finding = (announced: boolean, implemented: boolean, message: string): FeatureFinding => ({feature, announced, implemented, required, message})
    const unimplemented = (announced: boolean, why: string): Decided => {
      const where = `PROTOCOL.md §${flow.sections.join(', §')}`
      const message = required
        ? `--require ${feature}: the target must implement "${feature}" (${where}), but ${why}`
        : `${why}: the target does not implement "${feature}" (${where}); --require ${feature} makes this a failure`
      return {finding: finding(announced, false, why), decision: {run: false, verdict: required ? 'fail' : 'unimplemented', message}}
    }
    const groups = featureGroups(feature).map((g) => g.name as Group)
    const listing = (want: boolean): Group[] => groups.filter((g) => (answer.groups[g] ?? []).length > 0 === want)
    if (!announcedFeatures(answer).includes(feature)) {
      const listed = listing(true)
      const hint = listed.length > 0 ? ` (its ${listed.join(', ')} group lists addresses, though: announce "${feature}" to have it judged)` : ''
      return unimplemented(false, `the scheduler answer's features ${answer.features === undefined ? 'are absent (the core only)' : `do not list "${feature}"`}${hint}`)
    }
    const empty = listing(false)
    if (empty.length > 0) {
      const why = `the scheduler announces "${feature}" in its features but lists no ${empty.join(', ')} address: a server that announces a feature MUST list an address in each group it is served on (PROTOCOL.md §2.2)`
      return {finding: finding(true, false, why), decision: {run: false, failure: new CaseFailure(why)}}
    }
    if (!c.probe) return {finding: finding(true, true, ''), decision: {run: true}}
    const ctx = this.options.context()
    try {
      await c.probe(ctx)
      return {finding: finding(true, true, ''), decision: {run: true}}
    } catch (err) {
      if (err instanceof Unimplemented) return unimplemented(true, `the scheduler announces "${feature}", but ${err.message}`)
      // No clear answer (a time-out, a refused connection): the cases run and say what is wrong.
      return {finding: finding(true, true, `probe inconclusive: ${(err as Error)?.message ?? String(err)}`), decision: {run: true}}
    } finally {
      await ctx.cleanup()
    }
  }
}
