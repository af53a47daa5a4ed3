import {defineStore} from '../store/store-slot.js'
import {RedisShopStore} from './redis-shop-store.js'
import {MemoryShopStore, type ShopStore} from './shop-store.js'

/** The shop's store slot: in memory unless the server is given one or a Redis, keeping settled orders `orderRetentionMs`. */
export const SHOP_STORE = defineStore<ShopStore, 'orderRetentionMs'>(
  'shop',
  (limits) => new MemoryShopStore({retentionMs: limits.orderRetentionMs}),
  (backend, limits) => new RedisShopStore(backend, {retentionMs: limits.orderRetentionMs}),
)
