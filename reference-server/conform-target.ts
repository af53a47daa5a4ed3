import {ALL_LIMIT_SPECS, type ServerLimits} from './config.js'
import {type ReferenceServer, type ReferenceServerOptions, startReferenceServer} from './index.js'

/**
 * Limits for the embedded target of `imh conform`: short time-outs so the timer cases run in
 * seconds. The server announces them (PROTOCOL.md §2.3; the qr group's with every new login,
 * §10.2), so the cases read them from there.
 */
export const CONFORM_LIMITS: Partial<ServerLimits> = Object.fromEntries(
  ALL_LIMIT_SPECS.filter((s) => s.conformValue !== undefined).map((s) => [s.key, s.conformValue]),
)

/** The reference server with CONFORM_LIMITS under the given limits: what `imh conform` checks without --target. */
export function startEmbeddedTarget(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  return startReferenceServer({...options, limits: {...CONFORM_LIMITS, ...options.limits}})
}
