import {defineLimits} from '../../src/protocol/index.js'
import {DEFAULT_ORDER_RETENTION_MS} from './shop-store.js'

/**
 * The shop's tunables (PROTOCOL.md §17.4, §17.7). Neither is announced in the scheduler's limits:
 * every order carries its own `expiresAt` and `expiresInMs`.
 */
export const SHOP_LIMIT_SPECS = defineLimits([
  {key: 'orderTtlMs', default: 900_000, min: 100, max: 86_400_000, unit: 'ms', section: '17.4', description: 'ms an unpaid order holds its units before it expires', flag: 'order-ttl', conformValue: 2000},
  {key: 'orderRetentionMs', default: DEFAULT_ORDER_RETENTION_MS, min: 1000, max: 30 * 86_400_000, unit: 'ms', section: '17.4', description: 'ms a paid, cancelled or expired order (with its payment and idempotency keys) is kept before it is forgotten', flag: 'order-retention'},
] as const)
