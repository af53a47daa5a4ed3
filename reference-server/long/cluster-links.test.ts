import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {RedisBackend} from '../store/redis-backend.js'
import {ClusterLinks} from './cluster-links.js'
import type {LinkPeer} from './link-peer.js'

warnIfNoRedis('the cluster link directory tests')

function peer(userId: string, key: string, got: unknown[]): LinkPeer {
  return {key, userId, push: (cmd, body) => got.push([cmd, body])}
}

describe.runIf(redisTests)('ClusterLinks', () => {
  let redis: TestRedis
  let prefix = 0
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  async function node(ttlMs?: number) {
    const backend = await new RedisBackend(redis.url, `links-${prefix}:`).connect()
    const local = new Map<string, LinkPeer>()
    const links = new ClusterLinks(backend, local, ttlMs)
    await links.ready()
    return {backend, local, links}
  }

  it('finds a link of another node and carries pushes to it; a closed link is gone; a newer login elsewhere is kept', async () => {
    prefix++
    const a = await node()
    const b = await node()
    try {
      const got: unknown[] = []
      const alice = peer('alice', 'k1', got)
      a.local.set('alice', alice)
      await a.links.registered(alice)
      expect(await a.links.lookup('alice')).toBe(alice)
      const remote = (await b.links.lookup('alice'))!
      expect([remote.key, remote.userId]).toEqual(['k1', 'alice'])
      remote.push(7, {x: 1})
      await expect.poll(() => got).toEqual([[7, {x: 1}]])

      // Alice logs in again on b: a's old link closing must not remove b's entry.
      const newer = peer('alice', 'k2', [])
      b.local.set('alice', newer)
      await b.links.registered(newer)
      a.local.delete('alice')
      a.links.unregistered(alice)
      // The stale remote peer's pushes find no link of that key on a.
      remote.push(8, {})
      await new Promise((r) => setTimeout(r, 50))
      expect(got).toHaveLength(1)
      expect((await a.links.lookup('alice'))?.key).toBe('k2')

      b.local.delete('alice')
      b.links.unregistered(newer)
      await expect.poll(() => a.links.lookup('alice')).toBeUndefined()
    } finally {
      for (const n of [a, b]) {
        await n.links.close()
        await n.backend.close()
      }
    }
  })

  it("keeps live links' entries past the TTL, and a killed node's lapse", async () => {
    prefix++
    const a = await node(300)
    const b = await node(300)
    const alice = peer('alice', 'k1', [])
    a.local.set('alice', alice)
    await a.links.registered(alice)
    const bob = peer('bob', 'k2', [])
    b.local.set('bob', bob)
    await b.links.registered(bob)
    await new Promise((r) => setTimeout(r, 600))
    expect((await a.links.lookup('bob'))?.key).toBe('k2')
    // b dies: no close, no more refreshes.
    await b.backend.close()
    await expect.poll(() => a.links.lookup('bob'), {timeout: 2000}).toBeUndefined()
    expect((await a.links.lookup('alice'))?.key).toBe('k1')
    await a.links.close()
    expect(await a.backend.client.exists(a.backend.key('link', 'alice'))).toBe(0)
    await a.backend.close()
  })
})
