import {describe} from 'vitest'
import {MemoryGeoStore} from './geo-store.js'
import {geoStoreSuite} from './geo-store-suite.js'

describe('MemoryGeoStore (PROTOCOL.md §12.1)', () => {
  geoStoreSuite(async (options) => {
    const store = new MemoryGeoStore(options)
    return {store, held: async () => (store.sweep(), store.size)}
  })
})
