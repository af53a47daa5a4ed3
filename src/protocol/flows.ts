import {bottleFlow} from './bottle.js'
import {coreFlow} from './core-flow.js'
import {mediaFlow} from './media.js'
import {momentsFlow} from './moments.js'
import {nearbyFlow} from './nearby.js'
import {qrFlow} from './qr.js'
import {shakeFlow} from './shake.js'
import {shopFlow} from './shop.js'
import {talkFlow} from './talk.js'

/**
 * Every protocol flow, in PROTOCOL.md's order. Adding a flow means its module (with its
 * `defineProtocolFlow` declaration, exported from index.ts) and one line here; `CMD` and the
 * command lookups (commands.ts), the SYNC categories (sync-categories.ts), the scheduler groups
 * (scheduler-groups.ts) and the announced limits (announced-limits.ts) follow from this list, and
 * flows.test.ts holds it to PROTOCOL.md.
 */
export const PROTOCOL_FLOWS = [
  coreFlow,
  qrFlow,
  talkFlow,
  nearbyFlow,
  shakeFlow,
  bottleFlow,
  momentsFlow,
  mediaFlow,
  shopFlow,
] as const

export type ProtocolFlows = (typeof PROTOCOL_FLOWS)[number]

/** The flow ids every layer uses. */
export type FlowName = ProtocolFlows['name']

export const FLOW_NAMES: readonly FlowName[] = PROTOCOL_FLOWS.map((f) => f.name)
