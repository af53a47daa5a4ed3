import {defineLimits} from '../../src/protocol/index.js'
import {DEFAULT_ORDER_RETENTION_MS} from './shop-store.js'

/**
 * The shop's tunables (PROTOCOL.md §17.4, §17.7). Neither is announced in the scheduler's limits:
 * every order carries its own `expiresAt` and `expiresInMs`.
 */
export const SHOP_LIMIT_SPECS = defineLimits([
  // 90 s, as the idle time-out: `imh conform` (default --max-wait 120 s) waits an order's expiry out
  // against a default `imh serve`; a buyer pays within seconds of ordering (the flash-sale scenario).
  {key: 'orderTtlMs', default: 90_000, min: 100, max: 86_400_000, unit: 'ms', section: '17.4', description: 'ms an unpaid order holds its units before it expires', flag: 'order-ttl', conformValue: 2000},
  {key: 'orderRetentionMs', default: DEFAULT_ORDER_RETENTION_MS, min: 1000, max: 30 * 86_400_000, unit: 'ms', section: '17.4', description: 'ms a paid, cancelled or expired order (with its payment and idempotency keys) is kept before it is forgotten', flag: 'order-retention'},
] as const)
