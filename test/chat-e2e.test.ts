import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {VirtualClient} from '../src/client/index.js'
import type {ChatMessage} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {until} from './support/until.js'

let server: ReferenceServer
const clients: VirtualClient[] = []

beforeEach(async () => {
  server = await startReferenceServer({port: 0})
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server.close()
})

async function client(name: string): Promise<VirtualClient> {
  const c = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: name, password: 'pw'}, register: true, heartbeat: false})
  clients.push(c)
  return c.start()
}

function collect(c: VirtualClient): ChatMessage[] {
  const got: ChatMessage[] = []
  c.on('message', (m) => got.push(m))
  return got
}

describe('text chat end to end (PROTOCOL.md §6, notify-then-pull)', () => {
  it('delivers a message from sender to online receiver through notify and pull', async () => {
    const alice = await client('alice')
    const bob = await client('bob')
    const inbox = collect(bob)
    const ack = await alice.sendText(bob.userId!, 'hello bob', 'c1')
    expect(ack.seq).toBe(1)
    await until(() => inbox.length === 1)
    expect(inbox[0]).toMatchObject({from: alice.userId, to: bob.userId, content: 'hello bob', clientMsgId: 'c1', seq: 1, serverMsgId: ack.serverMsgId})
  })

  it('delivers messages to an offline receiver at its next sync, in order, without duplicates', async () => {
    const alice = await client('alice2')
    const bob = await client('bob2')
    await bob.close()
    for (let i = 0; i < 250; i++) await alice.sendText(bob.userId!, `m${i}`, `id${i}`)
    const again = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: 'bob2', password: 'pw'}, heartbeat: false, autoSync: false})
    clients.push(again)
    const inbox = collect(again)
    await again.start()
    await again.sync()
    expect(inbox.map((m) => m.content)).toEqual(Array.from({length: 250}, (_, i) => `m${i}`))
  })

  it('keeps 1,000 pipelined sends in order', async () => {
    const alice = await client('alice3')
    const bob = await client('bob3')
    const inbox = collect(bob)
    await Promise.all(Array.from({length: 1000}, (_, i) => alice.sendText(bob.userId!, String(i), `k${i}`)))
    await until(() => inbox.length >= 1000)
    expect(inbox.map((m) => Number(m.content))).toEqual(Array.from({length: 1000}, (_, i) => i))
    expect(new Set(inbox.map((m) => m.seq)).size).toBe(1000)
  })
})
