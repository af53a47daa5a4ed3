import type {LimitKeys} from '../../src/protocol/index.js'
import {defineStore} from '../store/store-slot.js'
import type {QR_LIMIT_SPECS} from './limits.js'
import type {QrLoginStore} from './qr-login-store.js'
import {QrLogins} from './qr-state.js'
import {RedisQrLogins} from './redis-qr-logins.js'

type QrStoreLimits = LimitKeys<typeof QR_LIMIT_SPECS>

/** The qr group's store slot: uuids, tickets and web sessions, with the limits' TTL, hold and cap. */
export const QR_LOGINS = defineStore<QrLoginStore, QrStoreLimits>(
  'qr-logins',
  (limits) => new QrLogins({ttlSeconds: limits.qrTtlSeconds, holdMs: limits.qrHoldMs, maxLogins: limits.qrMaxLogins}),
  (backend, limits) => new RedisQrLogins(backend, {ttlSeconds: limits.qrTtlSeconds, holdMs: limits.qrHoldMs, maxLogins: limits.qrMaxLogins}),
)
