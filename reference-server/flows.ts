import {bottleFlow} from './bottle/flow.js'
import {coreFlow} from './core/flow.js'
import type {FlowListener, FlowName, FlowOptions, FlowService, FlowStatus} from './flow.js'
import {mediaFlow} from './media/flow.js'
import {momentsFlow} from './moments/flow.js'
import {nearbyFlow} from './nearby/flow.js'
import {qrFlow} from './qr/flow.js'
import {shakeFlow} from './shake/flow.js'
import {shopFlow} from './shop/flow.js'
import {talkFlow} from './talk/flow.js'

/**
 * Every flow of the reference server, in PROTOCOL.md order. The server, its listeners and their
 * ports (in this order), the long node, the HTTP groups, the limits and `imh serve`'s flags are
 * built from this list.
 */
export const SERVER_FLOWS = [coreFlow, qrFlow, talkFlow, nearbyFlow, shakeFlow, bottleFlow, momentsFlow, mediaFlow, shopFlow] as const

type Flow = (typeof SERVER_FLOWS)[number]

export type ServerFlowName = FlowName<Flow>

/** Where clients reach the server: every TCP listener of the flows, by name. */
export type ListenerNames = FlowListener<Flow>

/**
 * Replacements of flows' services, by flow name, each built from the options the reference one
 * would get. For test doubles that plant a bug.
 */
export type FlowServices = {[F in Flow as FlowName<F>]?: (options: FlowOptions<F>) => FlowService<F>}

/** What the running flows show of themselves, by flow name (only flows that show something). */
export type FlowStatuses = {[F in Flow as FlowStatus<F> extends undefined ? never : FlowName<F>]: FlowStatus<F>}
