import {expect, it} from 'vitest'
import type {MomentsStore} from './moments-store.js'

/** The behaviour every MomentsStore shares (PROTOCOL.md §15), run against each implementation. */
export function momentsStoreSuite(make: () => Promise<MomentsStore>): void {
  it('keeps friendship mutual and idempotent', async () => {
    const s = await make()
    expect(await s.addFriend('a', 'b')).toBe(true)
    expect(await s.addFriend('b', 'a')).toBe(false)
    expect(await s.friendsOf('a')).toEqual(['b'])
    expect(await s.friendsOf('b')).toEqual(['a'])
    expect(await s.areFriends('b', 'a')).toBe(true)
    expect(await s.areFriends('a', 'c')).toBe(false)
    expect(await s.friendsOf('c')).toEqual([])
  })

  it('lists friends in the order they became friends', async () => {
    const s = await make()
    for (const f of ['z', 'm', 'a', 'q']) await s.addFriend('me', f)
    await s.addFriend('m', 'me')
    expect(await s.friendsOf('me')).toEqual(['z', 'm', 'a', 'q'])
  })

  it('answers true once when one pair is added many times at once', async () => {
    const s = await make()
    const added = await Promise.all(Array.from({length: 10}, (_, i) => (i % 2 ? s.addFriend('a', 'b') : s.addFriend('b', 'a'))))
    expect(added.filter(Boolean)).toHaveLength(1)
  })

  it('merges authors newest first below a cursor', async () => {
    const s = await make()
    const seqs: number[] = []
    for (let i = 0; i < 10; i++) seqs.push((await s.addMoment(i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c', `t${i}`, [])).seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect((await s.timeline(['a', 'b'], Infinity, 4)).map((m) => m.text)).toEqual(['t9', 't7', 't6', 't4'])
    expect((await s.timeline(['a', 'b'], seqs[4]!, 3)).map((m) => m.text)).toEqual(['t3', 't1', 't0'])
    expect((await s.timeline(['a', 'a'], Infinity, 10)).map((m) => m.text)).toEqual(['t9', 't6', 't3', 't0'])
    expect(await s.timeline(['z'], Infinity, 3)).toEqual([])
  })

  it('keeps a moment as posted, with its media ids', async () => {
    const s = await make()
    const m = await s.addMoment('a', 'hello', ['m1', 'm2'])
    expect(m).toMatchObject({author: 'a', text: 'hello', mediaIds: ['m1', 'm2'], likes: [], comments: []})
    expect(await s.getMoment(m.momentId)).toEqual(m)
    expect(await s.getMoment('nope')).toBeUndefined()
  })

  it('counts a like once, in the order of likes', async () => {
    const s = await make()
    const m = await s.addMoment('a', 'x', [])
    expect(await s.addLike(m.momentId, 'b')).toBe(true)
    expect(await s.addLike(m.momentId, 'b')).toBe(false)
    expect(await s.addLike(m.momentId, 'a')).toBe(true)
    const again = await Promise.all(Array.from({length: 6}, () => s.addLike(m.momentId, 'c')))
    expect(again.filter(Boolean)).toHaveLength(1)
    expect((await s.getMoment(m.momentId))!.likes).toEqual(['b', 'a', 'c'])
    expect(await s.addLike('nope', 'b')).toBe(false)
  })

  it('keeps comments in order, each with its own id', async () => {
    const s = await make()
    const m = await s.addMoment('a', 'x', [])
    const c1 = await s.addComment(m.momentId, 'b', 'first')
    const c2 = await s.addComment(m.momentId, 'a', 'second')
    expect(c1.commentId).not.toBe(c2.commentId)
    expect(c1).toMatchObject({from: 'b', text: 'first', createTime: expect.any(Number)})
    expect((await s.getMoment(m.momentId))!.comments).toEqual([c1, c2])
    expect((await s.timeline(['a'], Infinity, 1))[0]!.comments).toEqual([c1, c2])
  })
}
