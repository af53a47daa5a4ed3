import {defineStore} from '../store/store-slot.js'
import {type CallRegistry, MemoryCallRegistry} from './call-registry.js'
import {RedisCallRegistry} from './redis-call-registry.js'

/** Where talk keeps its calls; one registry per server, shared by the nodes of a group with a Redis. */
export const CALLS = defineStore<CallRegistry>('calls', () => new MemoryCallRegistry(), (backend) => new RedisCallRegistry(backend))
