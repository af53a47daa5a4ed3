import {type AnnouncedLimits, type LimitKeys, QR_DEFAULT_HOLD_MS, QR_DEFAULT_TTL_SECONDS, defineLimits} from '../../src/protocol/index.js'

/** The qr group's limits; it announces the TTL and hold with every new login (PROTOCOL.md §10.2). */
export const QR_LIMIT_SPECS = defineLimits([
  {key: 'qrTtlSeconds', default: QR_DEFAULT_TTL_SECONDS, min: 1, max: 86_400, unit: 's', section: '10.1', description: 'seconds a QR login code stays valid', flag: 'qr-ttl', conformValue: 3},
  {key: 'qrHoldMs', default: QR_DEFAULT_HOLD_MS, min: 100, max: 120_000, unit: 'ms', section: '10.3', description: 'ms a QR check poll is held before it answers 408', flag: 'qr-hold', conformValue: 1000},
  {key: 'qrMaxLogins', default: 100_000, min: 1, max: 10_000_000, unit: 'count', section: '10.2', description: 'QR logins alive at once; /qr/new is refused beyond it'},
] as const)

export type QrLimits = AnnouncedLimits & Record<LimitKeys<typeof QR_LIMIT_SPECS>, number>
