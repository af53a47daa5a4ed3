import {describe, expect, it} from 'vitest'
import {MemoryMomentsStore} from './moments-store.js'
import {MemoryStore} from '../store/memory-store.js'

describe('MemoryMomentsStore', () => {
  it('keeps friendship mutual and idempotent', async () => {
    const s = new MemoryMomentsStore()
    expect(await s.addFriend('a', 'b')).toBe(true)
    expect(await s.addFriend('b', 'a')).toBe(false)
    expect(await s.friendsOf('a')).toEqual(['b'])
    expect(await s.friendsOf('b')).toEqual(['a'])
    expect(await s.areFriends('b', 'a')).toBe(true)
  })

  it('merges authors newest first below a cursor', async () => {
    const s = new MemoryMomentsStore()
    const seqs: number[] = []
    for (let i = 0; i < 10; i++) seqs.push((await s.addMoment(i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c', `t${i}`, [])).seq)
    expect((await s.timeline(['a', 'b'], Infinity, 4)).map((m) => m.text)).toEqual(['t9', 't7', 't6', 't4'])
    expect((await s.timeline(['a', 'b'], seqs[4]!, 3)).map((m) => m.text)).toEqual(['t3', 't1', 't0'])
    expect(await s.timeline(['z'], Infinity, 3)).toEqual([])
  })

  it('counts a like once', async () => {
    const s = new MemoryMomentsStore()
    const m = await s.addMoment('a', 'x', [])
    expect(await s.addLike(m.momentId, 'b')).toBe(true)
    expect(await s.addLike(m.momentId, 'b')).toBe(false)
    expect((await s.getMoment(m.momentId))!.likes).toEqual(['b'])
  })
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
