import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {StoreEvent} from './store.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {msg, storeSuite} from '../../test/support/store-suite.js'
import {RedisBackend} from './redis-backend.js'
import {RedisStore, type RedisStoreOptions} from './redis-store.js'

warnIfNoRedis('the RedisStore tests')

describe.runIf(redisTests)('RedisStore', () => {
  let redis: TestRedis
  const backends: RedisBackend[] = []
  const stores: RedisStore[] = []
  let prefixes = 0

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()))
    await Promise.all(backends.map((b) => b.close()))
    await redis?.stop()
  })

  /** A node: a connection of its own and a ready store on `prefix` (a fresh one: an empty store). */
  async function node(prefix = `t${prefixes++}:`, options?: RedisStoreOptions): Promise<RedisStore> {
    const backend = await new RedisBackend(redis.url, prefix).connect()
    backends.push(backend)
    const store = new RedisStore(backend, options)
    stores.push(store)
    await store.ready()
    return store
  }

  storeSuite('RedisStore', (options) => node(undefined, options))

  describe('two nodes on one Redis', () => {
    it('never assigns a seq twice and stores each clientMsgId once, with the first reply for every repeat', async () => {
      const prefix = `two${prefixes++}:`
      const [n1, n2] = [await node(prefix), await node(prefix)]
      const a = (await n1.createUser('a', 'h'))!.userId
      const b = (await n2.createUser('b', 'h'))!.userId
      const c = (await n1.createUser('c', 'h'))!.userId
      // 200 sends from each node at once: ids 0–99 sent by both nodes (a client retrying on another
      // node), 100–199 each node's own; a to b, and a to c for every third.
      const sends = [n1, n2].flatMap((n, k) => Array.from({length: 200}, (_, i) => {
        const id = i < 100 ? `same${i}` : `own${k}-${i}`
        return n.appendMessage(msg(a, i % 3 === 0 ? c : b, id)).then((r) => ({id, ...r}))
      }))
      const results = await Promise.all(sends)
      const byId = new Map<string, typeof results>()
      for (const r of results) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
      expect(byId.size).toBe(300)
      for (const [id, rs] of byId) {
        expect(rs.filter((r) => !r.duplicate).length, id).toBe(1)
        for (const r of rs) expect(r.reply, id).toEqual(rs[0]!.reply)
      }
      for (const user of [b, c]) {
        const page = await n2.readInbox(user, 0, 1000)
        const ids = page.entries.map((m) => m.clientMsgId)
        expect(new Set(ids).size).toBe(ids.length)
        expect(page.entries.map((m) => m.seq)).toEqual(Array.from({length: ids.length}, (_, i) => i + 1))
        expect(page.lastSeq).toBe(ids.length)
        for (const m of page.entries) expect(byId.get(m.clientMsgId)![0]!.reply).toEqual({serverMsgId: m.serverMsgId, seq: m.seq, sendTime: m.sendTime})
      }
      const stored = (await n1.readInbox(b, 0, 1000)).entries.length + (await n1.readInbox(c, 0, 1000)).entries.length
      expect(stored).toBe(300)
      expect(new Set(results.map((r) => r.reply.serverMsgId)).size).toBe(300)
    })

    it('refuses a username taken on the other node and checks a token issued there', async () => {
      const prefix = `two${prefixes++}:`
      const [n1, n2] = [await node(prefix), await node(prefix)]
      const [x, y] = await Promise.all([n1.createUser('same', 'h'), n2.createUser('same', 'h')])
      expect([x, y].filter(Boolean)).toHaveLength(1)
      const user = (x ?? y)!
      expect(await n2.getUserByName('same')).toEqual(user)
      const t1 = await n1.issueToken(user.userId)
      const t2 = await n2.issueToken(user.userId)
      expect(await n2.checkToken(t1)).toEqual({status: 'kicked', userId: user.userId})
      expect(await n1.checkToken(t2)).toEqual({status: 'ok', userId: user.userId})
    })

    it('carries an event published on one node to the subscribers of both', async () => {
      const prefix = `two${prefixes++}:`
      const [n1, n2] = [await node(prefix), await node(prefix)]
      const other = await node()
      const seen: string[] = []
      n1.subscribe((e: StoreEvent) => seen.push(`n1 ${e.type} ${e.userId}`))
      n2.subscribe((e: StoreEvent) => seen.push(`n2 ${e.type} ${e.userId}`))
      other.subscribe((e: StoreEvent) => seen.push(`other ${e.type} ${e.userId}`))
      await n1.publish({type: 'kick', userId: 'u1', keep: 'k'})
      await expect.poll(() => [...seen].sort()).toEqual(['n1 kick u1', 'n2 kick u1'])
    })

    it('keeps exactly one link when two nodes kick for one user at once, and the later one when in turn', async () => {
      const prefix = `two${prefixes++}:`
      const nodes = [await node(prefix), await node(prefix)]
      // Each node holds one link of every user, `<user>@<node>`, and closes it as long-node.ts does.
      const kicked = new Set<string>()
      nodes.forEach((n, k) => n.subscribe((e) => {
        if (e.type === 'kick' && e.keep !== `${e.userId}@${k}`) kicked.add(`${e.userId}@${k}`)
      }))
      const users = Array.from({length: 30}, (_, i) => `k${i}`)
      await Promise.all(users.flatMap((u) => nodes.map((n, k) => n.publish({type: 'kick', userId: u, keep: `${u}@${k}`}))))
      await expect.poll(() => kicked.size).toBe(users.length)
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (const u of users) expect([0, 1].filter((k) => kicked.has(`${u}@${k}`)), u).toHaveLength(1)

      kicked.clear()
      await nodes[0]!.publish({type: 'kick', userId: 'seq', keep: 'seq@0'})
      await expect.poll(() => kicked.has('seq@1')).toBe(true)
      await nodes[1]!.publish({type: 'kick', userId: 'seq', keep: 'seq@1'})
      await expect.poll(() => kicked.has('seq@0')).toBe(true)
    })

    it('lets a superseded token answer kicked only for its TTL', async () => {
      const store = await node(undefined, {supersededTokenTtlSeconds: 1})
      const {userId} = (await store.createUser('a', 'h'))!
      const t1 = await store.issueToken(userId)
      await store.issueToken(userId)
      expect((await store.checkToken(t1)).status).toBe('kicked')
      await expect.poll(() => store.checkToken(t1).then((c) => c.status), {timeout: 3000, interval: 200}).toBe('invalid')
    })
  })
})
