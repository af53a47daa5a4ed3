import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {RedisBackend} from '../store/redis-backend.js'
import {type Call, type CallRegistry, MemoryCallRegistry} from './call-registry.js'
import {RING_GRACE_MS, RedisCallRegistry} from './redis-call-registry.js'

warnIfNoRedis('the Redis call registry tests')

let n = 0
function call(caller: string, callee: string): Call {
  n++
  return {callId: `c${n}`, caller, callee, callerKey: `${caller}-k`, calleeKey: `${callee}-k`, state: 'ringing', relayToken: `t${n}`, relays: ['udp://127.0.0.1:1'], createdAt: 1, ringTimeoutMs: 1000}
}

/** The one suite every CallRegistry passes. */
function registrySuite(make: () => Promise<{registry: CallRegistry; done(): Promise<void>}>): void {
  it('adds a call unless a party is in one, finds it by id, user, link and token, joins it once and removes it once', async () => {
    const {registry, done} = await make()
    try {
      const c = call('alice', 'bob')
      expect(await registry.add(c)).toBe('ok')
      expect(await registry.add(call('alice', 'carol'))).toBe('caller-busy')
      expect(await registry.add(call('carol', 'bob'))).toBe('callee-busy')
      expect(await registry.get(c.callId)).toEqual(c)
      expect(await registry.ofUser('bob')).toEqual(c)
      expect(await registry.ofLink('alice', 'alice-k')).toEqual([c])
      expect(await registry.ofLink('alice', 'other')).toEqual([])
      expect(await registry.byToken(c.relayToken)).toEqual(c)
      const joined = await registry.join(c, 'bob-k2')
      expect(joined).toEqual({...c, state: 'joined', calleeKey: 'bob-k2'})
      expect(await registry.join(c, 'bob-k3')).toBeUndefined()
      expect(await registry.get(c.callId)).toEqual(joined)
      const removed = await Promise.all([registry.remove(c.callId), registry.remove(c.callId)])
      expect(removed.filter((r) => r !== undefined)).toHaveLength(1)
      expect(await registry.get(c.callId)).toBeUndefined()
      expect(await registry.ofUser('alice')).toBeUndefined()
      expect(await registry.byToken(c.relayToken)).toBeUndefined()
      expect(await registry.add(call('bob', 'alice'))).toBe('ok')
    } finally {
      await done()
    }
  })
}

describe('MemoryCallRegistry', () => {
  registrySuite(async () => ({registry: new MemoryCallRegistry(), done: async () => {}}))
})

describe.runIf(redisTests)('RedisCallRegistry', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })
  const open = async (prefix: string) => {
    const backend = await new RedisBackend(redis.url, prefix).connect()
    const registry = new RedisCallRegistry(backend)
    await registry.ready()
    return {backend, registry}
  }

  registrySuite(async () => {
    const {backend, registry} = await open(`calls-${n}:`)
    return {registry, done: () => backend.close()}
  })

  it('lets a ringing call lapse after its ring time-out and grace; tells the other nodes of a removal', async () => {
    const a = await open('calls-ttl:')
    const b = await open('calls-ttl:')
    try {
      const c = call('alice', 'bob')
      await a.registry.add(c)
      for (const key of [a.backend.key('call', c.callId), a.backend.key('call-user', 'alice'), a.backend.key('call-token', c.relayToken)]) {
        const ttl = await a.backend.client.pttl(key)
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(c.ringTimeoutMs + RING_GRACE_MS)
      }
      const heard: string[] = []
      b.registry.onRemovedElsewhere((removed) => heard.push(removed.callId))
      a.registry.onRemovedElsewhere((removed) => heard.push(`self ${removed.callId}`))
      await a.registry.remove(c.callId)
      await expect.poll(() => heard).toEqual([c.callId])
    } finally {
      await a.backend.close()
      await b.backend.close()
    }
  })
})
