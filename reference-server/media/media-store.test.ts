import {describe} from 'vitest'
import {MemoryMediaStore} from './media-store.js'
import {mediaStoreSuite} from './media-store-suite.js'

describe('MemoryMediaStore (PROTOCOL.md §16)', () => {
  mediaStoreSuite(async () => new MemoryMediaStore())
})
