import type {MomentComment} from '../../src/protocol/index.js'
import type {RedisBackend} from '../store/redis-backend.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'
import type {MomentsStore, StoredMoment} from './moments-store.js'

// KEYS: a's friends, b's friends (zsets friend → when), the friendship counter. ARGV: a, b.
// One step, so that two nodes adding the same pair at once answer true once and both sides keep
// the first time they became friends.
const ADD_FRIEND = `
local had = redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZSCORE', KEYS[2], ARGV[1])
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], 'NX', n, ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', n, ARGV[1])
return had and 0 or 1
`

// KEYS: the moment's hash, its likes (zset user → order). ARGV: user. One step: a like counts once
// however many nodes take it, and keeps its place in the order of likes.
const ADD_LIKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('ZADD', KEYS[2], 'NX', redis.call('ZCARD', KEYS[2]), ARGV[1])
`

/**
 * Friends and moments in the group's Redis (PROTOCOL.md §2.5, §15): friends as sorted sets by when
 * the friendship began, each moment a hash with its likes (sorted set) and comments (list), and
 * each author's moments a sorted set by seq, the one counter all nodes number posts with. Nothing is
 * dropped, as in memory.
 */
export class RedisMomentsStore implements MomentsStore {
  private readonly addFriendScript: RedisScript
  private readonly addLikeScript: RedisScript

  constructor(private readonly redis: RedisBackend) {
    this.addFriendScript = redisScript(redis.client, ADD_FRIEND)
    this.addLikeScript = redisScript(redis.client, ADD_LIKE)
  }

  private k(...parts: string[]): string {
    return this.redis.key('moments', ...parts)
  }

  async addFriend(a: string, b: string): Promise<boolean> {
    return (await this.addFriendScript([this.k('friends', a), this.k('friends', b), this.k('friendships')], [a, b])) === 1
  }

  async friendsOf(userId: string): Promise<string[]> {
    return this.redis.client.zrange(this.k('friends', userId), '0', '-1')
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    return (await this.redis.client.zscore(this.k('friends', a), b)) !== null
  }

  async addMoment(author: string, text: string, mediaIds: string[]): Promise<StoredMoment> {
    const seq = await this.redis.client.incr(this.k('seq'))
    const moment: StoredMoment = {momentId: `mo${seq}`, seq, author, text, mediaIds: [...mediaIds], createTime: Date.now(), likes: [], comments: []}
    await this.redis.client
      .multi()
      .hset(this.k('m', moment.momentId), {seq, author, text, mediaIds: JSON.stringify(mediaIds), createTime: moment.createTime})
      .zadd(this.k('by', author), seq, moment.momentId)
      .exec()
    return moment
  }

  async getMoment(momentId: string): Promise<StoredMoment | undefined> {
    const [h, likes, comments] = await Promise.all([
      this.redis.client.hgetall(this.k('m', momentId)),
      this.redis.client.zrange(this.k('likes', momentId), '0', '-1'),
      this.redis.client.lrange(this.k('comments', momentId), 0, -1),
    ])
    if (h.author === undefined) return undefined
    return {
      momentId, seq: Number(h.seq), author: h.author, text: h.text!, mediaIds: JSON.parse(h.mediaIds!) as string[], createTime: Number(h.createTime),
      likes, comments: comments.map((c) => JSON.parse(c) as MomentComment),
    }
  }

  async timeline(authors: readonly string[], beforeSeq: number, limit: number): Promise<StoredMoment[]> {
    if (limit <= 0) return []
    // The newest `limit` of each author below the cursor, merged: no author can need more.
    const below = beforeSeq === Infinity ? '+inf' : `(${beforeSeq}`
    const each = await Promise.all([...new Set(authors)].map((a) => this.redis.client.zrevrangebyscore(this.k('by', a), below, '-inf', 'WITHSCORES', 'LIMIT', 0, limit)))
    const candidates: Array<{id: string; seq: number}> = []
    for (const flat of each) for (let i = 0; i < flat.length; i += 2) candidates.push({id: flat[i]!, seq: Number(flat[i + 1])})
    const chosen = candidates.sort((x, y) => y.seq - x.seq).slice(0, limit)
    return (await Promise.all(chosen.map((c) => this.getMoment(c.id)))).filter((m) => m !== undefined)
  }

  async addLike(momentId: string, userId: string): Promise<boolean> {
    return (await this.addLikeScript([this.k('m', momentId), this.k('likes', momentId)], [userId])) === 1
  }

  async addComment(momentId: string, from: string, text: string): Promise<MomentComment> {
    const comment: MomentComment = {commentId: `c${await this.redis.client.incr(this.k('commentSeq'))}`, from, text, createTime: Date.now()}
    // Moments are never removed: one that exists now still does when the comment lands.
    if (await this.redis.client.exists(this.k('m', momentId))) await this.redis.client.rpush(this.k('comments', momentId), JSON.stringify(comment))
    return comment
  }
}
