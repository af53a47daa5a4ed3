import {randomUUID} from 'node:crypto'
import type {RedisBackend} from '../store/redis-backend.js'
import type {AddResult, Call, CallRegistry} from './call-registry.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'

/**
 * A ringing call outlives its ring time-out by this much in Redis: the node that owns its timer
 * ends it first; if that node was killed, the keys lapse and neither party stays busy.
 */
export const RING_GRACE_MS = 5_000
/**
 * A joined call's keys lapse after this long. The node of a party ends the call when the party's
 * link goes; this bounds what a killed node leaves behind (a call then ends for the survivor only
 * when it hangs up, and a hang-up of a lapsed call is refused as unknown).
 */
export const JOINED_CALL_TTL_MS = 6 * 3600_000

// A user is in at most one call across every node: the busy checks and the writes are one step.
const ADD = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 'caller-busy' end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'callee-busy' end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'state', 'ringing', 'calleeKey', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
for i = 2, 4 do redis.call('SET', KEYS[i], ARGV[2], 'PX', ARGV[4]) end
return 'ok'`
// Join and a ring time-out or hang-up on other nodes race: only a call still ringing is joined.
const JOIN = `
if redis.call('HGET', KEYS[1], 'state') ~= 'ringing' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'joined', 'calleeKey', ARGV[1])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1`
// Concurrent enders (a hang-up here, a time-out there): exactly one removes the call and tells the
// parties. A user's or token's key is dropped only if it still names this call.
const REMOVE = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, 4 do if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end end
return 1`

type Fixed = Omit<Call, 'state' | 'calleeKey'>

/**
 * The calls of every node of a group, in the Redis they share: `call:<id>` (a hash: the fixed
 * fields as JSON, the state and the callee's link), `call-user:<userId>` and `call-token:<token>`
 * (the call id). Every key expires (RING_GRACE_MS, JOINED_CALL_TTL_MS). Removals are published,
 * so the relay of every node forgets the ended call's token.
 */
export class RedisCallRegistry implements CallRegistry {
  private readonly nodeId = randomUUID()
  private readonly removedListeners = new Set<(call: Call) => void>()
  private unsubscribe: (() => void) | undefined

  /** The store's Lua scripts, each sent once and then run by its SHA (store/redis-script.ts). */
  private readonly lua: Record<'ADD' | 'JOIN' | 'REMOVE', RedisScript>

  constructor(private readonly backend: RedisBackend) {
    this.lua = {ADD: redisScript(backend.client, ADD), JOIN: redisScript(backend.client, JOIN), REMOVE: redisScript(backend.client, REMOVE)}
  }

  async ready(): Promise<void> {
    this.unsubscribe = await this.backend.subscribe('calls-ended', (message) => {
      const {from, call} = JSON.parse(message) as {from: string; call: Call}
      if (from !== this.nodeId) for (const listener of this.removedListeners) listener(call)
    })
  }

  close(): void {
    this.unsubscribe?.()
  }

  onRemovedElsewhere(listener: (call: Call) => void): () => void {
    this.removedListeners.add(listener)
    return () => this.removedListeners.delete(listener)
  }

  async get(callId: string): Promise<Call | undefined> {
    const [data, state, calleeKey] = await this.backend.client.hmget(this.key('call', callId), 'data', 'state', 'calleeKey')
    if (!data || (state !== 'ringing' && state !== 'joined') || typeof calleeKey !== 'string') return undefined
    return {...(JSON.parse(data) as Fixed), state, calleeKey}
  }

  async ofUser(userId: string): Promise<Call | undefined> {
    const id = await this.backend.client.get(this.key('call-user', userId))
    return id === null ? undefined : this.get(id)
  }

  async ofLink(userId: string, key: string): Promise<Call[]> {
    const call = await this.ofUser(userId)
    if (!call) return []
    return (call.caller === userId ? call.callerKey : call.calleeKey) === key ? [call] : []
  }

  async byToken(relayToken: string): Promise<Call | undefined> {
    const id = await this.backend.client.get(this.key('call-token', relayToken))
    return id === null ? undefined : this.get(id)
  }

  async add(call: Call): Promise<AddResult> {
    const {state: _state, calleeKey, ...fixed} = call
    const ttl = call.ringTimeoutMs + RING_GRACE_MS
    return (await this.lua.ADD(this.keysOf(call), [JSON.stringify(fixed), call.callId, calleeKey, ttl])) as AddResult
  }

  async join(call: Call, calleeKey: string): Promise<Call | undefined> {
    const joined = await this.lua.JOIN(this.keysOf(call), [calleeKey, JOINED_CALL_TTL_MS])
    return joined === 1 ? {...call, state: 'joined', calleeKey} : undefined
  }

  async remove(callId: string): Promise<Call | undefined> {
    const call = await this.get(callId)
    if (!call) return undefined
    if ((await this.lua.REMOVE(this.keysOf(call), [callId])) !== 1) return undefined
    await this.backend.publish('calls-ended', JSON.stringify({from: this.nodeId, call}))
    return call
  }

  private keysOf(call: Call): [string, string, string, string] {
    return [this.key('call', call.callId), this.key('call-user', call.caller), this.key('call-user', call.callee), this.key('call-token', call.relayToken)]
  }

  private key(kind: string, id: string): string {
    return this.backend.key(kind, id)
  }
}
