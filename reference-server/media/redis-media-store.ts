import type {RedisBackend} from '../store/redis-backend.js'
import {type MediaObject, type MediaStore, newMediaObject} from './media-store.js'

/**
 * Uploads kept in the group's Redis (PROTOCOL.md §2.5, §16): one hash per object, the bytes as a
 * binary field, so that every media node serves what any of them took. Objects are immutable and,
 * as in memory, never dropped: no TTL.
 */
export class RedisMediaStore implements MediaStore {
  constructor(private readonly redis: RedisBackend) {}

  async put(owner: string, contentType: string, bytes: Buffer): Promise<MediaObject> {
    const object = newMediaObject(owner, contentType, bytes)
    const {mediaId, etag} = object
    await this.redis.client
      .multi()
      .hset(this.redis.key('media', 'o', mediaId), {owner, contentType, etag, lastModified: object.lastModified, bytes})
      .incr(this.redis.key('media', 'count'))
      .exec()
    return object
  }

  async get(mediaId: string): Promise<MediaObject | undefined> {
    const h = await this.redis.client.hgetallBuffer(this.redis.key('media', 'o', mediaId))
    if (!h.bytes) return undefined
    return {mediaId, owner: h.owner!.toString(), contentType: h.contentType!.toString(), bytes: h.bytes, etag: h.etag!.toString(), lastModified: Number(h.lastModified!.toString())}
  }

  async size(): Promise<number> {
    return Number((await this.redis.client.get(this.redis.key('media', 'count'))) ?? 0)
  }
}
