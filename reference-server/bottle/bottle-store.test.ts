import {describe} from 'vitest'
import {MemoryBottleStore} from './bottle-store.js'
import {bottleStoreSuite} from './bottle-store-suite.js'

describe('MemoryBottleStore (PROTOCOL.md §14)', () => {
  bottleStoreSuite(async (options) => {
    const store = new MemoryBottleStore(options)
    return {store, size: async () => store.size}
  })
})
