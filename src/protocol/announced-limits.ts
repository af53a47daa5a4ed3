import {PROTOCOL_FLOWS, type ProtocolFlows} from './flows.js'
import {type LimitKeys, type LimitSpec, limitDefaults} from './limit-spec.js'

/**
 * Limits a server announces so that clients and the conformance suite can plan (PROTOCOL.md §2.3):
 * each flow declares its own; this is their union, in the flows' order, typed by key.
 */
export const ANNOUNCED_LIMIT_SPECS = PROTOCOL_FLOWS.flatMap((f): readonly LimitSpec[] => f.limits) as readonly ProtocolFlows['limits'][number][]

/** Limits a server announces so that clients and the conformance suite can plan (§2.3). */
export type AnnouncedLimits = Record<LimitKeys<typeof ANNOUNCED_LIMIT_SPECS>, number>

/** The spec's defaults (PROTOCOL.md §2.3, §5): what a server that announces nothing is held to. */
export const SPEC_DEFAULT_LIMITS: AnnouncedLimits = limitDefaults(ANNOUNCED_LIMIT_SPECS)
