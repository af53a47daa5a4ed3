import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {BottleClient, VirtualClient} from '../src/client/index.js'
import {CMD, type ChatMessage, type ErrorCode, ImhError, isImhError} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {until} from './support/until.js'

let server: ReferenceServer
const clients: VirtualClient[] = []
let n = 0

beforeEach(async () => {
  server = await startReferenceServer({port: 0})
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server.close()
})

interface User { client: VirtualClient; bottle: BottleClient; id: string; messages: ChatMessage[] }

async function user(name: string): Promise<User> {
  const client = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `${name}${n++}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(client)
  const messages: ChatMessage[] = []
  client.on('message', (m) => messages.push(m))
  await client.start()
  return {client, bottle: BottleClient.of(client), id: client.userId!, messages}
}

async function refused(p: Promise<unknown>, code: ErrorCode): Promise<ImhError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isImhError(err) ? (err.details?.serverCode ?? err.code) : err).toBe(code)
  return err as ImhError
}

describe('drift bottle on the reference server (PROTOCOL.md §14)', () => {
  it('throw → another user picks it (thrower hidden) → reply reaches the thrower via SYNC as type "bottle"', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const thrown = await alice.bottle.throw('hello sea')
    expect(thrown.bottleId).toEqual(expect.any(String))
    const picked = await bob.bottle.pick()
    expect(picked).toEqual({bottleId: thrown.bottleId, content: 'hello sea', throwTime: thrown.throwTime})
    expect(JSON.stringify(picked)).not.toContain(alice.id)
    expect(await bob.bottle.pick()).toBeNull()

    const reply = await bob.bottle.reply(thrown.bottleId, 'hi back', 'r1')
    expect(reply.to).toBe(alice.id)
    await until(() => alice.messages.length > 0)
    expect(alice.messages[0]).toMatchObject({from: bob.id, to: alice.id, type: 'bottle', content: 'hi back', clientMsgId: 'r1', seq: reply.seq, serverMsgId: reply.serverMsgId})

    // A retry is answered with the first reply and stores nothing; a second reply is allowed.
    expect(await bob.bottle.reply(thrown.bottleId, 'changed', 'r1')).toEqual(reply)
    const second = await bob.bottle.reply(thrown.bottleId, 'more', 'r2')
    expect(second.seq).toBe(reply.seq + 1)
    // From here on they chat.
    await alice.client.sendText(bob.id, 'who are you?', 'a1')
    await until(() => bob.messages.some((m) => m.clientMsgId === 'a1'))
    await until(() => alice.messages.length === 2)
    expect(alice.messages.map((m) => m.clientMsgId)).toEqual(['r1', 'r2'])
  })

  it('never hands a picker its own bottle', async () => {
    const alice = await user('alice')
    for (let i = 0; i < 5; i++) await alice.bottle.throw(`own ${i}`)
    expect(await alice.bottle.pick()).toBeNull()
  })

  it('50 parallel picks over 20 bottles get each bottle at most once', async () => {
    const throwers = await Promise.all([user('t'), user('t'), user('t')])
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++) ids.add((await throwers[i % 3]!.bottle.throw(`b${i}`)).bottleId)
    const pickers = await Promise.all(Array.from({length: 10}, () => user('p')))
    const got = await Promise.all(Array.from({length: 50}, (_, i) => pickers[i % 10]!.bottle.pick()))
    const seen = got.filter((b) => b !== null).map((b) => b.bottleId)
    expect(seen).toHaveLength(20)
    expect(new Set(seen)).toEqual(ids)
  })

  it('refuses a reply by a non-picker or to an unknown bottle with IMH_ERR_BOTTLE_UNKNOWN', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const carol = await user('carol')
    const {bottleId} = await alice.bottle.throw('x')
    // Not yet picked: nobody may reply, the thrower neither.
    await refused(bob.bottle.reply(bottleId, 'x', 'c0'), 'IMH_ERR_BOTTLE_UNKNOWN')
    await bob.bottle.pick()
    await refused(carol.bottle.reply(bottleId, 'x', 'c1'), 'IMH_ERR_BOTTLE_UNKNOWN')
    await refused(alice.bottle.reply(bottleId, 'x', 'c2'), 'IMH_ERR_BOTTLE_UNKNOWN')
    await refused(bob.bottle.reply('no-such-bottle', 'x', 'c3'), 'IMH_ERR_BOTTLE_UNKNOWN')
    await new Promise((r) => setTimeout(r, 50))
    expect(alice.messages).toEqual([])
  })

  it('codes bad bodies IMH_ERR_BAD_BODY, naming the field; SEND_MSG may not use type "bottle"', async () => {
    const alice = await user('alice')
    const link = alice.client.link!
    const field = async (cmd: number, body: unknown) => (await refused(link.call(cmd, body), 'IMH_ERR_BAD_BODY')).message
    expect(await field(CMD.BOTTLE_THROW, {content: ''})).toMatch(/"content"/)
    expect(await field(CMD.BOTTLE_THROW, {content: 'x'.repeat(1025)})).toMatch(/"content"/)
    expect(await field(CMD.BOTTLE_THROW, {content: 1})).toMatch(/"content"/)
    expect(await field(CMD.BOTTLE_PICK, [])).toMatch(/object/)
    expect(await field(CMD.BOTTLE_REPLY, {bottleId: 1, clientMsgId: 'c', content: 'x'})).toMatch(/"bottleId"/)
    expect(await field(CMD.BOTTLE_REPLY, {bottleId: 'b', clientMsgId: '', content: 'x'})).toMatch(/"clientMsgId"/)
    expect(await field(CMD.BOTTLE_REPLY, {bottleId: 'b', clientMsgId: 'c', content: ''})).toMatch(/"content"/)
    expect(await field(CMD.SEND_MSG, {clientMsgId: 'c', to: alice.id, type: 'bottle', content: 'forged'})).toMatch(/"type"/)
    // An empty body reads as {}: a pick needs no fields.
    expect(await link.call(CMD.BOTTLE_PICK)).toEqual({bottle: null})
  })
})
