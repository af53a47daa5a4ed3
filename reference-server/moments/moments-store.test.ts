import {describe, expect, it} from 'vitest'
import {MemoryMomentsStore} from './moments-store.js'
import {momentsStoreSuite} from './moments-store-suite.js'
import {MemoryStore} from '../store/memory-store.js'

describe('MemoryMomentsStore (PROTOCOL.md §15)', () => {
  momentsStoreSuite(async () => new MemoryMomentsStore())
})

describe('MemoryStore moments inbox (PROTOCOL.md §15.6)', () => {
  it('numbers notices apart from chat, with an epoch of its own, and acknowledges them', async () => {
    const store = new MemoryStore()
    const {userId} = (await store.createUser('a', 'h'))!
    const n1 = await store.appendEntry(userId, 'moments', {kind: 'like', momentId: 'm', from: 'b', sendTime: 1})
    const n2 = await store.appendEntry(userId, 'moments', {kind: 'comment', momentId: 'm', from: 'b', text: 'hi', sendTime: 2})
    expect([n1.seq, n2.seq]).toEqual([1, 2])
    expect((await store.readInbox(userId, 0, 10)).lastSeq).toBe(0)
    const page = await store.readInbox(userId, 0, 1, 'moments')
    expect(page).toMatchObject({entries: [n1], more: true, lastSeq: 2})
    expect(await store.inboxEpoch(userId, 'moments')).toBe(page.epoch)
    await store.ack(userId, 1, 'moments')
    expect((await store.readInbox(userId, 0, 10, 'moments')).entries).toEqual([n2])
  })
})
