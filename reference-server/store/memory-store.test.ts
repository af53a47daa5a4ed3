import {storeSuite} from '../../test/support/store-suite.js'
import {MemoryStore} from './memory-store.js'

storeSuite('MemoryStore', async (options) => new MemoryStore(options))
