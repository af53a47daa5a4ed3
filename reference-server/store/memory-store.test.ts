import {describe, expect, it} from 'vitest'
import {isImhError} from '../../src/protocol/index.js'
import {MemoryStore} from './memory-store.js'

async function twoUsers(store = new MemoryStore()) {
  const a = (await store.createUser('a', 'h'))!
  const b = (await store.createUser('b', 'h'))!
  return {store, a: a.userId, b: b.userId}
}

const msg = (from: string, to: string, id: string) => ({from, to, clientMsgId: id, type: 'text' as const, content: id})

describe('MemoryStore', () => {
  it('refuses a taken username', async () => {
    const store = new MemoryStore()
    expect(await store.createUser('x', 'h')).toBeDefined()
    expect(await store.createUser('x', 'h')).toBeUndefined()
  })

  it('supersedes the previous token at a new login: ok, then kicked', async () => {
    const {store, a} = await twoUsers()
    const t1 = await store.issueToken(a)
    expect(await store.checkToken(t1)).toEqual({status: 'ok', userId: a})
    const t2 = await store.issueToken(a)
    expect(await store.checkToken(t1)).toEqual({status: 'kicked', userId: a})
    expect(await store.checkToken(t2)).toEqual({status: 'ok', userId: a})
    expect(await store.checkToken('nope')).toEqual({status: 'invalid'})
  })

  it('assigns inbox seqs 1, 2, 3 … and returns the first reply for a repeated clientMsgId', async () => {
    const {store, a, b} = await twoUsers()
    const r1 = await store.appendMessage(msg(a, b, 'x'))
    const r2 = await store.appendMessage(msg(a, b, 'y'))
    const again = await store.appendMessage(msg(a, b, 'x'))
    expect([r1.reply.seq, r2.reply.seq]).toEqual([1, 2])
    expect(again).toEqual({reply: r1.reply, duplicate: true})
    expect((await store.readInbox(b, 0, 10)).entries.map((m) => m.clientMsgId)).toEqual(['x', 'y'])
  })

  it('keys de-duplication by sender: the same clientMsgId from another sender is a new message', async () => {
    const {store, a, b} = await twoUsers()
    await store.appendMessage(msg(a, b, 'same'))
    const other = await store.appendMessage(msg(b, b, 'same'))
    expect(other.duplicate).toBe(false)
  })

  it('forgets clientMsgIds beyond the de-duplication window, oldest first', async () => {
    const {store, a, b} = await twoUsers(new MemoryStore({dedupWindow: 2}))
    await store.appendMessage(msg(a, b, '1'))
    await store.appendMessage(msg(a, b, '2'))
    await store.appendMessage(msg(a, b, '3'))
    expect((await store.appendMessage(msg(a, b, '3'))).duplicate).toBe(true)
    expect((await store.appendMessage(msg(a, b, '1'))).duplicate).toBe(false)
  })

  it('pages after a seq and says whether more remain', async () => {
    const {store, a, b} = await twoUsers()
    for (let i = 0; i < 5; i++) await store.appendMessage(msg(a, b, String(i)))
    const p1 = await store.readInbox(b, 0, 2)
    expect(p1.entries.map((m) => m.seq)).toEqual([1, 2])
    expect(p1.more).toBe(true)
    expect(p1.lastSeq).toBe(5)
    const p3 = await store.readInbox(b, 4, 2)
    expect(p3.entries.map((m) => m.seq)).toEqual([5])
    expect(p3.more).toBe(false)
  })

  it('discards acknowledged messages but keeps every later one', async () => {
    const {store, a, b} = await twoUsers()
    for (let i = 0; i < 5; i++) await store.appendMessage(msg(a, b, String(i)))
    await store.ack(b, 3)
    expect((await store.readInbox(b, 0, 10)).entries.map((m) => m.seq)).toEqual([4, 5])
    await store.ack(b, 2)
    expect((await store.readInbox(b, 3, 10)).entries.map((m) => m.seq)).toEqual([4, 5])
  })

  it('throws IMH_ERR_UNKNOWN_USER for a message to nobody', async () => {
    const {store, a} = await twoUsers()
    await expect(store.appendMessage(msg(a, 'u999', 'z'))).rejects.toSatisfy((e) => isImhError(e, 'IMH_ERR_UNKNOWN_USER'))
  })

  it('delivers published events to every subscriber until it unsubscribes', async () => {
    const store = new MemoryStore()
    const seen: string[] = []
    const off = store.subscribe((e) => seen.push(`${e.type}:${e.userId}`))
    await store.publish({type: 'notify', userId: 'u1'})
    off()
    await store.publish({type: 'notify', userId: 'u2'})
    expect(seen).toEqual(['notify:u1'])
  })
})
