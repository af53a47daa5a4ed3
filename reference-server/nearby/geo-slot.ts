import {defineStore} from '../store/store-slot.js'
import {type GeoStore, MemoryGeoStore} from './geo-store.js'
import {RedisGeoStore} from './redis-geo-store.js'

/** Reported positions of nearby people (§12.1); one per server, or one per group on Redis. */
export const GEO_STORE = defineStore<GeoStore>('geo', () => new MemoryGeoStore(), (backend) => new RedisGeoStore(backend))
