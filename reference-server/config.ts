import {
  ANNOUNCED_LIMIT_SPECS, type AnnouncedLimits, ImhError, type LimitKeys, type LimitSpec, QR_DEFAULT_HOLD_MS, QR_DEFAULT_TTL_SECONDS, SPEC_DEFAULT_LIMITS,
  defineLimits, limitDefaults,
} from '../src/protocol/index.js'

/**
 * Tunables of the reference server beyond what it announces; every one is bounded so a typo
 * cannot exhaust the machine.
 */
export const SERVER_LIMIT_SPECS = defineLimits([
  {key: 'maxQueuedFrames', default: 4096, min: 16, max: 1_000_000, unit: 'count', section: '5.6', description: 'frames queued on one connection before the server stops reading from it'},
  {key: 'maxQueuedBytes', default: 4 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, unit: 'bytes', section: '5.6', description: 'bytes of frames queued on one connection before the server stops reading from it'},
  {key: 'maxBufferedBytes', default: 8 * 1024 * 1024, min: 64 * 1024, max: 1024 * 1024 * 1024, unit: 'bytes', section: '5.6', description: 'bytes waiting to be sent to one client before it is closed as a slow consumer'},
  {key: 'dedupWindow', default: 10_000, min: 1, max: 10_000_000, unit: 'count', section: '6.2', description: 'recent clientMsgIds per sender remembered for de-duplication'},
  {key: 'schedulerTtlSeconds', default: 300, min: 1, max: 86_400, unit: 's', section: '2.3', description: "seconds clients may keep the scheduler's answer"},
  {key: 'qrTtlSeconds', default: QR_DEFAULT_TTL_SECONDS, min: 1, max: 86_400, unit: 's', section: '10.1', description: 'seconds a QR login code stays valid', flag: 'qr-ttl', conformValue: 3},
  {key: 'qrHoldMs', default: QR_DEFAULT_HOLD_MS, min: 100, max: 120_000, unit: 'ms', section: '10.3', description: 'ms a QR check poll is held before it answers 408', flag: 'qr-hold', conformValue: 1000},
  {key: 'qrMaxLogins', default: 100_000, min: 1, max: 10_000_000, unit: 'count', section: '10.2', description: 'QR logins alive at once; /qr/new is refused beyond it'},
  {key: 'talkRingTimeoutMs', default: 30_000, min: 100, max: 300_000, unit: 'ms', section: '11.2', description: 'ms a call rings before it ends with reason "timeout"', flag: 'ring-timeout', conformValue: 1000},
  {key: 'stunPorts', default: 4, min: 1, max: 16, unit: 'ports', section: '11.1', description: 'UDP ports of the relay group answering STUN Binding requests', flag: 'stun-ports'},
  {key: 'relayRatePps', default: 200, min: 1, max: 100_000, unit: 'datagrams/s', section: '11.3', description: 'relay datagrams per second one role of one call may send (token bucket refill)', flag: 'relay-rate-pps'},
  {key: 'relayBurst', default: 50, min: 1, max: 100_000, unit: 'datagrams', section: '11.3', description: 'relay token bucket size: datagrams one role of one call may send at once', flag: 'relay-burst'},
  {key: 'downloadBytes', default: 32 * 1024 * 1024, min: 1, max: 1024 * 1024 * 1024, unit: 'bytes', section: '16.6', description: "size of the media group's game download object, bytes", flag: 'download-size', conformValue: 1024 * 1024},
] as const)

/** Every limit of the reference server: what it announces and its own tunables. */
export const ALL_LIMIT_SPECS: readonly LimitSpec[] = [...ANNOUNCED_LIMIT_SPECS, ...SERVER_LIMIT_SPECS]

export type ServerLimits = AnnouncedLimits & Record<LimitKeys<typeof SERVER_LIMIT_SPECS>, number>

export const DEFAULT_LIMITS: ServerLimits = {...SPEC_DEFAULT_LIMITS, ...limitDefaults(SERVER_LIMIT_SPECS)}

const SPECS = new Map(ALL_LIMIT_SPECS.map((s) => [s.key, s]))

/** Merges user limits over the defaults, naming the option in any error. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = {...DEFAULT_LIMITS}
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue
    const spec = SPECS.get(key)
    if (!spec) throw new ImhError('IMH_ERR_INVALID_OPTION', `unknown server limit "${key}"; known: ${[...SPECS.keys()].join(', ')}`)
    const {min, max} = spec
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
  return Object.fromEntries(ANNOUNCED_LIMIT_SPECS.map((spec) => [spec.key, l[spec.key]])) as AnnouncedLimits
}
