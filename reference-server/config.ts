import {DEFAULT_MAX_BODY_BYTES, ImhError, MAX_SYNC_PAGE, QR_DEFAULT_HOLD_MS, QR_DEFAULT_TTL_SECONDS, SPEC_DEFAULT_LIMITS} from '../src/protocol/index.js'
import type {AnnouncedLimits} from '../src/protocol/index.js'

/** Tunables of the reference server; every one is bounded so a typo cannot exhaust the machine. */
export interface ServerLimits extends AnnouncedLimits {
  /** Frames queued on one connection before the server stops reading from it. */
  maxQueuedFrames: number
  /** Bytes of frames queued on one connection before the server stops reading from it. */
  maxQueuedBytes: number
  /** Bytes waiting to be sent to one client before it is closed as a slow consumer. */
  maxBufferedBytes: number
  /** How many recent clientMsgIds per sender are remembered for de-duplication. */
  dedupWindow: number
  /** Seconds clients may keep the scheduler's answer. */
  schedulerTtlSeconds: number
  /** Lifetime of a QR login uuid, seconds (PROTOCOL.md §10.1). */
  qrTtlSeconds: number
  /** How long a QR check poll is held before it answers 408, ms (§10.3). */
  qrHoldMs: number
  /** QR logins alive at once; /qr/new is refused beyond it so a flood cannot exhaust memory. */
  qrMaxLogins: number
  /** How long a call rings before it ends with reason 'timeout', ms (PROTOCOL.md §11.2). */
  talkRingTimeoutMs: number
  /** UDP ports of the relay group answering STUN Binding requests (PROTOCOL.md §11.1). */
  stunPorts: number
  /** Relay datagrams per second one role of one call may send (token bucket refill, PROTOCOL.md §11.3). */
  relayRatePps: number
  /** Token bucket size of that limit: datagrams a role may send at once. */
  relayBurst: number
  /** Size of the "game download" object of the media group, bytes (PROTOCOL.md §16). */
  downloadBytes: number
}

export const DEFAULT_LIMITS: ServerLimits = {
  ...SPEC_DEFAULT_LIMITS,
  maxQueuedFrames: 4096,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  dedupWindow: 10_000,
  schedulerTtlSeconds: 300,
  qrTtlSeconds: QR_DEFAULT_TTL_SECONDS,
  qrHoldMs: QR_DEFAULT_HOLD_MS,
  qrMaxLogins: 100_000,
  talkRingTimeoutMs: 30_000,
  stunPorts: 4,
  relayRatePps: 200,
  relayBurst: 50,
  downloadBytes: 32 * 1024 * 1024,
}

const RANGES: Record<keyof ServerLimits, [number, number]> = {
  handshakeTimeoutMs: [50, 600_000],
  idleTimeoutMs: [100, 3_600_000],
  heartbeatIntervalMs: [50, 3_600_000],
  maxBodyBytes: [1024, DEFAULT_MAX_BODY_BYTES],
  shortMaxBodyBytes: [1024, 16 * 1024 * 1024],
  syncPageDefault: [1, MAX_SYNC_PAGE],
  syncPageMax: [1, MAX_SYNC_PAGE],
  maxQueuedFrames: [16, 1_000_000],
  maxQueuedBytes: [64 * 1024, 1024 * 1024 * 1024],
  maxBufferedBytes: [64 * 1024, 1024 * 1024 * 1024],
  dedupWindow: [1, 10_000_000],
  schedulerTtlSeconds: [1, 86_400],
  qrTtlSeconds: [1, 86_400],
  qrHoldMs: [100, 120_000],
  qrMaxLogins: [1, 10_000_000],
  talkRingTimeoutMs: [100, 300_000],
  stunPorts: [1, 16],
  relayRatePps: [1, 100_000],
  relayBurst: [1, 100_000],
  positionTtlMs: [100, 86_400_000],
  shakeWindowMs: [100, 60_000],
  mediaMaxUploadBytes: [1024, 64 * 1024 * 1024],
  downloadBytes: [1, 1024 * 1024 * 1024],
}

/** Merges user limits over the defaults, naming the option in any error. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = {...DEFAULT_LIMITS}
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue
    const range = RANGES[key as keyof ServerLimits]
    if (!range) throw new ImhError('IMH_ERR_INVALID_OPTION', `unknown server limit "${key}"; known: ${Object.keys(RANGES).join(', ')}`)
    const [min, max] = range
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${key} must be an integer from ${min} to ${max}, got ${value}`, {option: key})
    }
    limits[key as keyof ServerLimits] = value
  }
  if (limits.syncPageDefault > limits.syncPageMax) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option syncPageDefault (${limits.syncPageDefault}) must not exceed syncPageMax (${limits.syncPageMax})`, {option: 'syncPageDefault'})
  }
  return limits
}

export function announcedLimits(l: ServerLimits): AnnouncedLimits {
  return {
    handshakeTimeoutMs: l.handshakeTimeoutMs,
    idleTimeoutMs: l.idleTimeoutMs,
    heartbeatIntervalMs: l.heartbeatIntervalMs,
    maxBodyBytes: l.maxBodyBytes,
    shortMaxBodyBytes: l.shortMaxBodyBytes,
    syncPageDefault: l.syncPageDefault,
    syncPageMax: l.syncPageMax,
    positionTtlMs: l.positionTtlMs,
    shakeWindowMs: l.shakeWindowMs,
    mediaMaxUploadBytes: l.mediaMaxUploadBytes,
  }
}
