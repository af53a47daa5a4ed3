import {randomUUID} from 'node:crypto'
import type {RedisBackend} from '../store/redis-backend.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'
import {type BottleStore, DEFAULT_MAX_BOTTLES, DEFAULT_MAX_PICKS, type MemoryBottleStoreOptions, type PickRecord, type StoredBottle} from './bottle-store.js'

// KEYS: the pool (zset id → throw number, oldest first), the throw counter. ARGV: key prefix of
// bottle hashes, id, thrower, content, throwTime, maxBottles. Atomic so that the pool never holds
// more than maxBottles: the add and the eviction of the oldest are one step.
const ADD = `
local n = redis.call('INCR', KEYS[2])
redis.call('HSET', ARGV[1] .. ARGV[2], 'thrower', ARGV[3], 'content', ARGV[4], 'throwTime', ARGV[5])
redis.call('ZADD', KEYS[1], n, ARGV[2])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if excess > 0 then
  local old = redis.call('ZPOPMIN', KEYS[1], excess)
  for i = 1, #old, 2 do redis.call('DEL', ARGV[1] .. old[i]) end
end
return n
`

// KEYS: the pool, the picks (list of ids, oldest first). ARGV: prefix of bottle hashes, prefix of
// pick hashes, picker, a random number in [0, 1), maxPicks. Atomic: the scan for a bottle not
// thrown by the picker, its removal and the pick record are one step, so a bottle goes to one
// picker only however many nodes take at once. Starts at a random rank and walks the pool in
// order, as the memory store walks its array.
const TAKE = `
local n = redis.call('ZCARD', KEYS[1])
if n == 0 then return false end
local start = math.floor(tonumber(ARGV[4]) * n)
local scanned = 0
while scanned < n do
  local from = (start + scanned) % n
  local to = math.min(from + 63, n - 1)
  local ids = redis.call('ZRANGE', KEYS[1], from, to)
  for _, id in ipairs(ids) do
    local b = redis.call('HMGET', ARGV[1] .. id, 'thrower', 'content', 'throwTime')
    if b[1] ~= ARGV[3] then
      redis.call('ZREM', KEYS[1], id)
      redis.call('DEL', ARGV[1] .. id)
      redis.call('HSET', ARGV[2] .. id, 'picker', ARGV[3], 'thrower', b[1])
      redis.call('RPUSH', KEYS[2], id)
      local excess = redis.call('LLEN', KEYS[2]) - tonumber(ARGV[5])
      for _ = 1, excess do redis.call('DEL', ARGV[2] .. redis.call('LPOP', KEYS[2])) end
      return {id, b[1], b[2], b[3]}
    end
  end
  scanned = scanned + (to - from + 1)
end
return false
`

/**
 * The drift-bottle pool in the group's Redis (PROTOCOL.md §2.5, §14): one hash per bottle, a
 * sorted set of the pool in throw order, and the remembered picks, bounded as in memory (the
 * oldest bottle dropped beyond `maxBottles`, the oldest pick beyond `maxPicks`).
 */
export class RedisBottleStore implements BottleStore {
  private readonly maxBottles: number
  private readonly maxPicks: number
  private readonly random: () => number
  private readonly addScript: RedisScript
  private readonly takeScript: RedisScript

  constructor(private readonly redis: RedisBackend, options: MemoryBottleStoreOptions = {}) {
    this.maxBottles = options.maxBottles ?? DEFAULT_MAX_BOTTLES
    this.maxPicks = options.maxPicks ?? DEFAULT_MAX_PICKS
    this.random = options.random ?? Math.random
    this.addScript = redisScript(redis.client, ADD)
    this.takeScript = redisScript(redis.client, TAKE)
  }

  /** Bottles in the pool now. */
  async size(): Promise<number> {
    return this.redis.client.zcard(this.redis.key('bottle', 'pool'))
  }

  async add(thrower: string, content: string, throwTime: number): Promise<StoredBottle> {
    const bottle: StoredBottle = {bottleId: randomUUID(), thrower, content, throwTime}
    const k = this.redis.key.bind(this.redis)
    await this.addScript([k('bottle', 'pool'), k('bottle', 'throws')], [k('bottle', 'b', ''), bottle.bottleId, thrower, content, throwTime, this.maxBottles])
    return bottle
  }

  async take(picker: string): Promise<StoredBottle | null> {
    const k = this.redis.key.bind(this.redis)
    const got = (await this.takeScript([k('bottle', 'pool'), k('bottle', 'picks')], [k('bottle', 'b', ''), k('bottle', 'p', ''), picker, this.random(), this.maxPicks])) as string[] | null
    return got && {bottleId: got[0]!, thrower: got[1]!, content: got[2]!, throwTime: Number(got[3])}
  }

  async pickOf(bottleId: string): Promise<PickRecord | undefined> {
    const [picker, thrower] = await this.redis.client.hmget(this.redis.key('bottle', 'p', bottleId), 'picker', 'thrower')
    return picker == null ? undefined : {bottleId, picker, thrower: thrower!}
  }
}
