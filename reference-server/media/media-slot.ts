import {defineStore} from '../store/store-slot.js'
import {type MediaStore, MemoryMediaStore} from './media-store.js'
import {RedisMediaStore} from './redis-media-store.js'

/** Uploads of the media group (§16); one per server (or group, on Redis), read by moments and shop too. */
export const MEDIA_STORE = defineStore<MediaStore>('media', () => new MemoryMediaStore(), (backend) => new RedisMediaStore(backend))
