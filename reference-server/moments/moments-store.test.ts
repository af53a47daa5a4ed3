import {describe} from 'vitest'
import {MemoryMomentsStore} from './moments-store.js'
import {momentsStoreSuite} from './moments-store-suite.js'

describe('MemoryMomentsStore (PROTOCOL.md §15)', () => {
  momentsStoreSuite(async () => new MemoryMomentsStore())
})
