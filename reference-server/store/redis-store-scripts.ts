import type {Redis} from 'ioredis'
import {redisScript} from './redis-script.js'

/**
 * The Lua scripts of {@link RedisStore}. Each is one step that reads and then writes, and must be
 * atomic because the nodes of a group run it concurrently for the same user: run as separate
 * commands, two nodes could take one seq for two messages, store one clientMsgId twice, or both
 * keep a token alive after two logins. Redis runs a script with no other command in between, and
 * a script is one round trip (EVALSHA; ioredis falls back to EVAL after a Redis restart).
 *
 * Keys (under the backend's prefix; every key naming a user ends with its id, and each kind of key
 * has a prefix of its own, so that an id or token a client names cannot reach another kind of
 * key): `names` a hash username → userId; `next:user`, `next:msg` counters; `user:<user>` a hash
 * of the user's fields; `tok:<token>` the user id (`!<user>` once superseded, with a TTL);
 * `curtok:<user>` the user's current token; `meta:<user>` a hash of `e:<category>` (the inbox's
 * epoch) and `s:<category>` (its highest seq), whose presence says the user exists;
 * `inbox:<category>:<user>` a sorted set of the inbox's entries (JSON) scored by seq;
 * `dedup:<user>` a hash clientMsgId → first reply and `dedupq:<user>` the same ids, oldest first;
 * `kickgen:<user>` the generation of the user's latest kick (RedisStore.publish).
 * Scripts that derive a key from a value read in the script get the prefix as an argument: a
 * group shares one Redis, not a Redis Cluster.
 */
const LUA = {
  /** KEYS: names, user counter. ARGV: username, passwordHash, prefix, then category, epoch pairs. */
  createUser: `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return false end
local id = 'u' .. redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], id)
redis.call('HSET', ARGV[3] .. 'user:' .. id, 'username', ARGV[1], 'passwordHash', ARGV[2], 'nickname', ARGV[1])
local meta = {}
for i = 4, #ARGV, 2 do
  table.insert(meta, 'e:' .. ARGV[i]); table.insert(meta, ARGV[i + 1])
  table.insert(meta, 's:' .. ARGV[i]); table.insert(meta, 0)
end
redis.call('HSET', ARGV[3] .. 'meta:' .. id, unpack(meta))
return id`,

  /** KEYS: names. ARGV: username, prefix. → [userId, username, passwordHash, nickname] or nil. */
  userByName: `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
local u = redis.call('HMGET', ARGV[2] .. 'user:' .. id, 'username', 'passwordHash', 'nickname')
if not u[1] then return false end
return {id, u[1], u[2], u[3]}`,

  /**
   * KEYS: the user's current-token key, the new token's key. ARGV: userId, new token, prefix,
   * seconds a superseded token answers 'kicked'. Atomic so that two logins at once on two nodes
   * leave exactly one token 'ok'.
   */
  issueToken: `
local old = redis.call('GET', KEYS[1])
if old then redis.call('SET', ARGV[3] .. 'tok:' .. old, '!' .. ARGV[1], 'EX', ARGV[4]) end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[2])
return 1`,

  /**
   * KEYS: sender's dedup hash, sender's dedup queue, receiver's meta, receiver's chat inbox,
   * message counter. ARGV: clientMsgId, window, sendTime, the entry's JSON after seq and
   * serverMsgId (starting with a comma), the chat category's name. → [0 new | 1 duplicate, "serverMsgId seq sendTime"] or
   * [2] for an unknown receiver. The de-duplication check, the seq and the record of the reply
   * are one step: otherwise a retry on another node could store the message twice.
   */
  appendMessage: `
local first = redis.call('HGET', KEYS[1], ARGV[1])
if first then return {1, first} end
if redis.call('HEXISTS', KEYS[3], 'e:' .. ARGV[5]) == 0 then return {2} end
local seq = redis.call('HINCRBY', KEYS[3], 's:' .. ARGV[5], 1)
local id = redis.call('INCR', KEYS[5])
redis.call('ZADD', KEYS[4], seq, '{"seq":' .. seq .. ',"serverMsgId":"' .. id .. '"' .. ARGV[4])
local reply = id .. ' ' .. seq .. ' ' .. ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], reply)
if redis.call('RPUSH', KEYS[2], ARGV[1]) > tonumber(ARGV[2]) then redis.call('HDEL', KEYS[1], redis.call('LPOP', KEYS[2])) end
return {0, reply}`,

  /** KEYS: meta, inbox. ARGV: category, the entry's JSON after seq ('}' or ',…}'). → seq or nil. */
  appendEntry: `
if redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 0 then return false end
local seq = redis.call('HINCRBY', KEYS[1], 's:' .. ARGV[1], 1)
redis.call('ZADD', KEYS[2], seq, '{"seq":' .. seq .. ARGV[2])
return seq`,

  /**
   * KEYS: meta, inbox. ARGV: category, afterSeq, limit. → [epoch, lastSeq, entries…] with up to
   * limit + 1 entries (the extra one says more remain), or nil. One script so the page and its
   * lastSeq agree.
   */
  readInbox: `
local m = redis.call('HMGET', KEYS[1], 'e:' .. ARGV[1], 's:' .. ARGV[1])
if not m[1] then return false end
local page = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[2], '+inf', 'LIMIT', 0, tonumber(ARGV[3]) + 1)
table.insert(page, 1, m[2])
table.insert(page, 1, m[1])
return page`,

  /**
   * KEYS: the user's kick generation. ARGV: channel, the event's JSON without its closing brace,
   * seconds the generation is kept. Publishes the kick with the next generation and returns it:
   * one step, so that the generations order the kicks as every node receives them.
   */
  publishKick: `
local gen = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ',"gen":' .. gen .. '}')
return gen`,

  /** KEYS: meta, inbox. ARGV: category, seq. → 1, or nil for an unknown user. */
  ack: `
if redis.call('HEXISTS', KEYS[1], 'e:' .. ARGV[1]) == 0 then return false end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
return 1`,
} as const

type Arg = string | number
type ScriptName = keyof typeof LUA
const KEY_COUNTS: Record<ScriptName, number> = {createUser: 2, userByName: 1, issueToken: 2, appendMessage: 5, appendEntry: 2, readInbox: 2, publishKick: 1, ack: 2}

/** The scripts, callable with (keys…, args…) as ioredis commands. */
export type StoreScripts = Record<ScriptName, (...keysAndArgs: Arg[]) => Promise<unknown>>

/** The scripts bound to `client`, each run by its SHA (redis-script.ts), called with (keys…, args…). */
export function storeScripts(client: Redis): StoreScripts {
  const out = {} as StoreScripts
  for (const name of Object.keys(LUA) as ScriptName[]) {
    const run = redisScript(client, LUA[name])
    const keys = KEY_COUNTS[name]
    out[name] = (...a) => run(a.slice(0, keys).map(String), a.slice(keys))
  }
  return out
}
