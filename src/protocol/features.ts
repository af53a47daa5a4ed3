import type {GroupSpec} from './flow-contract.js'
import {type FlowName, PROTOCOL_FLOWS} from './flows.js'

/**
 * Optional features (PROTOCOL.md §2.2, §8): every flow but core is one, named by its flow id. A
 * server announces those it implements in the scheduler answer's `features`; core (§2–§6) is
 * always required and never announced. Derived from the flow list: adding a flow adds its feature.
 */

/** The flow every server implements. */
export const CORE_FLOW = 'core' satisfies FlowName

/** An optional feature: a flow id other than core. */
export type Feature = Exclude<FlowName, typeof CORE_FLOW>

/** Every optional feature, in PROTOCOL.md's order. */
export const FEATURES: readonly Feature[] = PROTOCOL_FLOWS.map((f) => f.name).filter((n): n is Feature => n !== CORE_FLOW)

export function isFeature(name: string): name is Feature {
  return (FEATURES as readonly string[]).includes(name)
}

/**
 * The features a scheduler answer announces that this version knows, in PROTOCOL.md's order.
 * Absent `features` announces none (the server implements the core only); ids this version does
 * not know are ignored, as a newer server may know more features.
 */
export function announcedFeatures(answer: {features?: readonly string[]}): Feature[] {
  const listed = new Set(answer.features ?? [])
  return FEATURES.filter((f) => listed.has(f))
}

/** The scheduler groups a feature is served on (§2.2): a server that announces it MUST list an address in each. */
export function featureGroups(feature: Feature): readonly GroupSpec[] {
  return PROTOCOL_FLOWS.find((f) => f.name === feature)!.groups
}

/** The feature's flow declaration: its title and sections. */
export function featureFlow(feature: Feature): (typeof PROTOCOL_FLOWS)[number] {
  return PROTOCOL_FLOWS.find((f) => f.name === feature)!
}
