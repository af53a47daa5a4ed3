import {type ReferenceServer, type ReferenceServerOptions, type ServerLimits, startReferenceServer} from '../../reference-server/index.js'

/**
 * Limits for the embedded target of `imh conform`: short time-outs so the timer cases run in
 * seconds. The server announces them (PROTOCOL.md §2.3; the qr group's with every new login,
 * §10.2), so the cases read them from there.
 */
export const CONFORM_LIMITS: Partial<ServerLimits> = {
  handshakeTimeoutMs: 1000,
  idleTimeoutMs: 1500,
  heartbeatIntervalMs: 500,
  syncPageDefault: 100,
  qrHoldMs: 1000,
  qrTtlSeconds: 3,
  talkRingTimeoutMs: 1000,
  positionTtlMs: 2000,
  shakeWindowMs: 500,
  downloadBytes: 1024 * 1024,
}

export function startEmbeddedTarget(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  return startReferenceServer({...options, limits: {...CONFORM_LIMITS, ...options.limits}})
}
