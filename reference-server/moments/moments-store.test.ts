import {describe, expect, it} from 'vitest'
import {MemoryMomentsStore} from './moments-store.js'

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
