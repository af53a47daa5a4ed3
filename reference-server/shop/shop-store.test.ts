import {describe} from 'vitest'
import {MemoryShopStore} from './shop-store.js'
import {shopStoreSuite} from './shop-store-suite.js'

describe('MemoryShopStore (PROTOCOL.md §17)', () => {
  shopStoreSuite(async (options) => {
    const store = new MemoryShopStore(options)
    return {store, size: async () => store.size}
  })
})
