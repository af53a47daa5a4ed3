import type {CaseModule} from '../case-module.js'
import type {ConformanceCase} from '../types.js'
import {bottleCaseModule} from './bottle.js'
import {coreCaseModule} from './core.js'
import {mediaCaseModule} from './media.js'
import {momentsCaseModule} from './moments.js'
import {nearbyCaseModule} from './nearby.js'
import {qrCaseModule} from './qr.js'
import {shakeCaseModule} from './shake.js'
import {shopCaseModule} from './shop.js'
import {talkCaseModule} from './talk.js'

/**
 * The catalogue: one conformance module per flow, in the order of PROTOCOL.md's sections. The
 * only hand-kept list of the conformance layer; everything below, the docs and the counts derive from it.
 */
export const CASE_MODULES = [
  coreCaseModule, qrCaseModule, talkCaseModule, nearbyCaseModule, shakeCaseModule, bottleCaseModule, momentsCaseModule, mediaCaseModule, shopCaseModule,
] as const satisfies readonly CaseModule[]

/** A flow that has conformance cases. */
export type CaseFlow = (typeof CASE_MODULES)[number]['flow']

/** The flows, in catalogue order. */
export const CASE_FLOWS: readonly CaseFlow[] = CASE_MODULES.map((m) => m.flow)

/** Every conformance case, flow by flow. */
export const ALL_CASES: readonly ConformanceCase[] = CASE_MODULES.flatMap((m) => m.cases)

/** The module of `flow`, or undefined when no module declares it. */
export function caseModule(flow: string): CaseModule | undefined {
  return CASE_MODULES.find((m) => m.flow === flow)
}
