import {defineStore} from '../store/store-slot.js'
import {type BottleStore, MemoryBottleStore} from './bottle-store.js'
import {RedisBottleStore} from './redis-bottle-store.js'

/** The drift-bottle pool (§14); one per server, or one per group on Redis. */
export const BOTTLE_STORE = defineStore<BottleStore>('bottles', () => new MemoryBottleStore(), (backend) => new RedisBottleStore(backend))
