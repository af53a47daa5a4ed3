import {afterEach, describe, expect, it} from 'vitest'
import {VirtualClient} from '../src/client/index.js'
import type {ChatMessage, SendMsgReply} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from './support/redis.js'
import {until} from './support/until.js'

warnIfNoRedis('the Redis durability test')

/** Messages acknowledged before the crash, and sent while it happens. */
const BEFORE = 200
const DURING = 100

describe.runIf(redisTests)('durability of acknowledged messages over a Redis crash (PROTOCOL.md §2.6, §6.2)', () => {
  let redis: TestRedis | undefined
  let server: ReferenceServer | undefined
  /** A second node of the group, where bob comes back: its notify crosses Redis. */
  let other: ReferenceServer | undefined
  const clients: VirtualClient[] = []

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await server?.close()
    await other?.close()
    await redis?.stop()
  })

  async function client(name: string, options: Partial<ConstructorParameters<typeof VirtualClient>[0]> = {}, node = server!): Promise<VirtualClient> {
    const c = new VirtualClient({resolve: {scheduler: node.urls.scheduler}, credentials: {username: name, password: 'pw'}, heartbeat: false, ...options})
    clients.push(c)
    return c.start()
  }

  it('with appendfsync always, every message acknowledged on the long link is still SYNCed after Redis is SIGKILLed and restarted', async () => {
    redis = await startRedis({appendfsync: 'always'})
    server = await startReferenceServer({port: 0, redis: {url: redis.url, prefix: 'dur:'}})
    other = await startReferenceServer({port: 0, redis: {url: redis.url, prefix: 'dur:'}})
    const alice = await client('alice', {register: true})
    const bobId = (await client('bob', {register: true})).userId!
    await clients.pop()!.close()

    const acked = new Map<string, SendMsgReply>()
    const send = (id: string): Promise<void> => alice.sendText(bobId, id, id).then((reply) => void acked.set(id, reply))
    await Promise.all(Array.from({length: BEFORE}, (_, i) => send(`before-${i}`)))
    expect(acked.size).toBe(BEFORE)

    // Sends in flight when Redis dies: each either fails or, once acknowledged (before the crash or
    // after the restart, when the server's connection has come back), must survive like the others.
    const during = Promise.allSettled(Array.from({length: DURING}, (_, i) => send(`during-${i}`)))
    await until(() => acked.size >= BEFORE + 10)
    await redis.kill()
    await redis.start()
    const settled = await during
    const failed = settled.filter((s) => s.status === 'rejected').length
    expect(acked.size + failed).toBe(BEFORE + DURING)

    const bob = await client('bob', {autoSync: false}, other)
    const inbox: ChatMessage[] = []
    bob.on('message', (m) => inbox.push(m))
    await bob.sync()
    const byId = new Map(inbox.map((m) => [m.clientMsgId, m]))
    for (const [id, reply] of acked) {
      const stored = byId.get(id)
      expect(stored, `acknowledged ${id} lost`).toBeDefined()
      expect({serverMsgId: stored!.serverMsgId, seq: stored!.seq, sendTime: stored!.sendTime}).toEqual(reply)
    }
    // Nothing twice, no seq skipped or reused (a message stored whose reply the crash lost may be there too).
    expect(byId.size).toBe(inbox.length)
    expect(inbox.map((m) => m.seq)).toEqual(Array.from({length: inbox.length}, (_, i) => i + 1))

    // The group's events came back with the connections: a message sent on one node is notified on bob's link on the other.
    let notified = false
    bob.on('notify', () => (notified = true))
    await alice.sendText(bobId, 'after', 'after')
    await until(() => notified)
  })
})
