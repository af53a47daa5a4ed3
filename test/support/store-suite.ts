import {describe, expect, it} from 'vitest'
import type {Store, StoreEvent} from '../../reference-server/index.js'
import {isImhError} from '../../src/protocol/index.js'

/** Makes a fresh, empty store (ready: subscribed to its events); `dedupWindow` as the implementation's option. */
export type MakeStore = (options?: {dedupWindow?: number}) => Promise<Store>

export const msg = (from: string, to: string, id: string) => ({from, to, clientMsgId: id, type: 'text' as const, content: id})

export async function twoUsers(store: Store) {
  const a = (await store.createUser('a', 'h'))!
  const b = (await store.createUser('b', 'h'))!
  return {store, a: a.userId, b: b.userId}
}

const unknownUser = (e: unknown) => isImhError(e, 'IMH_ERR_UNKNOWN_USER')

/**
 * The behaviour every {@link Store} implementation shares (PROTOCOL.md §3, §5.5, §6): run against
 * MemoryStore and RedisStore, so that a group on Redis behaves as the embedded server does.
 */
export function storeSuite(name: string, make: MakeStore): void {
  describe(`${name} (the Store suite)`, () => {
    it('refuses a taken username and finds users by id and by name', async () => {
      const store = await make()
      const x = await store.createUser('x', 'h1')
      expect(x).toMatchObject({username: 'x', passwordHash: 'h1', nickname: 'x'})
      expect(await store.createUser('x', 'h2')).toBeUndefined()
      const y = (await store.createUser('y', 'h2'))!
      expect(y.userId).not.toBe(x!.userId)
      expect(await store.getUser(x!.userId)).toEqual(x)
      expect(await store.getUserByName('y')).toEqual(y)
      expect(await store.getUser('u999')).toBeUndefined()
      expect(await store.getUserByName('nobody')).toBeUndefined()
    })

    it('supersedes the previous token at a new login: ok, then kicked', async () => {
      const {store, a} = await twoUsers(await make())
      const t1 = await store.issueToken(a)
      expect(await store.checkToken(t1)).toEqual({status: 'ok', userId: a})
      const t2 = await store.issueToken(a)
      expect(await store.checkToken(t1)).toEqual({status: 'kicked', userId: a})
      expect(await store.checkToken(t2)).toEqual({status: 'ok', userId: a})
      expect(await store.checkToken('nope')).toEqual({status: 'invalid'})
    })

    it('assigns inbox seqs 1, 2, 3 … and returns the first reply for a repeated clientMsgId', async () => {
      const {store, a, b} = await twoUsers(await make())
      const r1 = await store.appendMessage(msg(a, b, 'x'))
      const r2 = await store.appendMessage(msg(a, b, 'y'))
      const again = await store.appendMessage({...msg(a, b, 'x'), content: 'other'})
      expect([r1.reply.seq, r2.reply.seq]).toEqual([1, 2])
      expect(r1.duplicate).toBe(false)
      expect(again).toEqual({reply: r1.reply, duplicate: true})
      expect(r2.reply.serverMsgId).not.toBe(r1.reply.serverMsgId)
      expect((await store.readInbox(b, 0, 10)).entries.map((m) => m.clientMsgId)).toEqual(['x', 'y'])
    })

    it('stores a message with the fields of PROTOCOL.md §6.4, in that order', async () => {
      const {store, a, b} = await twoUsers(await make())
      const {reply} = await store.appendMessage(msg(a, b, 'x'))
      const [stored] = (await store.readInbox(b, 0, 10)).entries
      expect(stored).toEqual({seq: 1, serverMsgId: reply.serverMsgId, from: a, to: b, clientMsgId: 'x', type: 'text', content: 'x', sendTime: reply.sendTime})
      expect(Object.keys(stored!)).toEqual(['seq', 'serverMsgId', 'from', 'to', 'clientMsgId', 'type', 'content', 'sendTime'])
      expect(Math.abs(reply.sendTime - Date.now())).toBeLessThan(5000)
    })

    it('keys de-duplication by sender: the same clientMsgId from another sender is a new message', async () => {
      const {store, a, b} = await twoUsers(await make())
      await store.appendMessage(msg(a, b, 'same'))
      const other = await store.appendMessage(msg(b, b, 'same'))
      expect(other.duplicate).toBe(false)
    })

    it('forgets clientMsgIds beyond the de-duplication window, oldest first', async () => {
      const {store, a, b} = await twoUsers(await make({dedupWindow: 2}))
      await store.appendMessage(msg(a, b, '1'))
      await store.appendMessage(msg(a, b, '2'))
      await store.appendMessage(msg(a, b, '3'))
      expect((await store.appendMessage(msg(a, b, '3'))).duplicate).toBe(true)
      expect((await store.appendMessage(msg(a, b, '2'))).duplicate).toBe(true)
      expect((await store.appendMessage(msg(a, b, '1'))).duplicate).toBe(false)
    })

    it('pages after a seq and says whether more remain', async () => {
      const {store, a, b} = await twoUsers(await make())
      expect(await store.readInbox(b, 0, 2)).toEqual({epoch: await store.inboxEpoch(b), entries: [], more: false, lastSeq: 0})
      for (let i = 0; i < 5; i++) await store.appendMessage(msg(a, b, String(i)))
      const p1 = await store.readInbox(b, 0, 2)
      expect(p1.entries.map((m) => m.seq)).toEqual([1, 2])
      expect(p1.more).toBe(true)
      expect(p1.lastSeq).toBe(5)
      const p2 = await store.readInbox(b, 3, 2)
      expect(p2.entries.map((m) => m.seq)).toEqual([4, 5])
      expect(p2.more).toBe(false)
      const p3 = await store.readInbox(b, 4, 2)
      expect(p3.entries.map((m) => m.seq)).toEqual([5])
      expect(p3.more).toBe(false)
      expect((await store.readInbox(b, 9, 2)).entries).toEqual([])
    })

    it('discards acknowledged messages but keeps every later one', async () => {
      const {store, a, b} = await twoUsers(await make())
      for (let i = 0; i < 5; i++) await store.appendMessage(msg(a, b, String(i)))
      await store.ack(b, 3)
      expect((await store.readInbox(b, 0, 10)).entries.map((m) => m.seq)).toEqual([4, 5])
      await store.ack(b, 2)
      expect((await store.readInbox(b, 3, 10)).entries.map((m) => m.seq)).toEqual([4, 5])
      await store.ack(b, 5)
      expect(await store.readInbox(b, 0, 10)).toMatchObject({entries: [], more: false, lastSeq: 5})
      expect((await store.appendMessage(msg(a, b, 'next'))).reply.seq).toBe(6)
    })

    it('throws IMH_ERR_UNKNOWN_USER for a message to nobody, remembering nothing', async () => {
      const {store, a, b} = await twoUsers(await make())
      await expect(store.appendMessage(msg(a, 'u999', 'z'))).rejects.toSatisfy(unknownUser)
      const err = await store.appendMessage(msg(a, 'u999', 'z')).catch((e: unknown) => e)
      expect((err as {details?: unknown}).details).toEqual({field: 'to'})
      // An ERROR is no first reply (§6.2): the id is free for a later message.
      expect((await store.appendMessage(msg(a, b, 'z'))).duplicate).toBe(false)
    })

    it('throws IMH_ERR_UNKNOWN_USER for the inbox of nobody', async () => {
      const store = await make()
      await expect(store.readInbox('u999', 0, 10)).rejects.toSatisfy(unknownUser)
      await expect(store.inboxEpoch('u999')).rejects.toSatisfy(unknownUser)
      await expect(store.ack('u999', 1)).rejects.toSatisfy(unknownUser)
      await expect(store.appendEntry('u999', 'moments', {kind: 'like', momentId: 'm', from: 'b', sendTime: 1})).rejects.toSatisfy(unknownUser)
    })

    it('gives every category its own epoch, seqs and acknowledgement (§6.1, §15.6)', async () => {
      const store = await make()
      const {userId} = (await store.createUser('a', 'h'))!
      const n1 = await store.appendEntry(userId, 'moments', {kind: 'like', momentId: 'm', from: 'b', sendTime: 1})
      const n2 = await store.appendEntry(userId, 'moments', {kind: 'comment', momentId: 'm', from: 'b', text: 'hi', sendTime: 2})
      expect(n1).toEqual({seq: 1, kind: 'like', momentId: 'm', from: 'b', sendTime: 1})
      expect([n1.seq, n2.seq]).toEqual([1, 2])
      expect((await store.readInbox(userId, 0, 10)).lastSeq).toBe(0)
      const page = await store.readInbox(userId, 0, 1, 'moments')
      expect(page).toMatchObject({entries: [n1], more: true, lastSeq: 2})
      expect(await store.inboxEpoch(userId, 'moments')).toBe(page.epoch)
      expect(page.epoch).toBeGreaterThanOrEqual(1)
      await store.ack(userId, 1, 'moments')
      expect((await store.readInbox(userId, 0, 10, 'moments')).entries).toEqual([n2])
    })

    it('gives each new user fresh epochs', async () => {
      const {store, a, b} = await twoUsers(await make())
      // Random 31-bit epochs: two equal ones in a row would be a one-in-two-billion event.
      expect(await store.inboxEpoch(a)).not.toBe(await store.inboxEpoch(b))
      expect(await store.inboxEpoch(a)).not.toBe(await store.inboxEpoch(a, 'moments'))
    })

    it('delivers published events to every subscriber until it unsubscribes', async () => {
      const store = await make()
      const seen: string[] = []
      const all: StoreEvent[] = []
      const off = store.subscribe((e) => seen.push(`${e.type}:${e.userId}`))
      store.subscribe((e) => all.push(e))
      await store.publish({type: 'notify', userId: 'u1'})
      await expect.poll(() => seen).toEqual(['notify:u1'])
      off()
      await store.publish({type: 'notify', userId: 'u2', category: 'moments'})
      await store.publish({type: 'kick', userId: 'u3', keep: 'k'})
      await expect.poll(() => all.length).toBe(3)
      expect(all).toEqual([{type: 'notify', userId: 'u1'}, {type: 'notify', userId: 'u2', category: 'moments'}, {type: 'kick', userId: 'u3', keep: 'k'}])
      expect(seen).toEqual(['notify:u1'])
    })
  })
}
