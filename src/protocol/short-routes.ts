import type {ShortRouteSpec} from './flow-contract.js'
import {PROTOCOL_FLOWS, type ProtocolFlows} from './flows.js'

/** Every route of the short link (PROTOCOL.md §3): core's and those other flows add (§15), by name. */

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never
type ShortRoutes = Intersection<ProtocolFlows['shortRoutes']>

/** `SHORT_ROUTES.momentsPost` is `{method: 'POST', path: '/moments/post', auth: true}`, typed as the literals. */
export const SHORT_ROUTES = Object.assign({}, ...PROTOCOL_FLOWS.map((f): Readonly<Record<string, ShortRouteSpec>> => f.shortRoutes)) as {
  readonly [K in keyof ShortRoutes]: ShortRoutes[K]
}

export type ShortRoute = keyof typeof SHORT_ROUTES
