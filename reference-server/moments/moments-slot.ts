import {defineStore} from '../store/store-slot.js'
import {type MomentsStore, MemoryMomentsStore} from './moments-store.js'
import {RedisMomentsStore} from './redis-moments-store.js'

/** Friends and moments (§15); one per server, or one per group on Redis. */
export const MOMENTS_STORE = defineStore<MomentsStore>('moments', () => new MemoryMomentsStore(), (backend) => new RedisMomentsStore(backend))
