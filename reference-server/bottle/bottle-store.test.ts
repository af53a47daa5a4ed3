import {describe, expect, it} from 'vitest'
import {MemoryBottleStore} from './bottle-store.js'

describe('MemoryBottleStore (PROTOCOL.md §14)', () => {
  it('never hands a picker its own bottle, and hands each bottle out once', async () => {
    const s = new MemoryBottleStore()
    await s.add('a', 'mine', 1)
    expect(await s.take('a')).toBeNull()
    const theirs = await s.add('b', 'theirs', 2)
    expect(await s.take('a')).toEqual(theirs)
    expect(await s.take('c')).toEqual({bottleId: expect.any(String), thrower: 'a', content: 'mine', throwTime: 1})
    expect(await s.take('c')).toBeNull()
    expect(s.size).toBe(0)
  })

  it('remembers who picked what, for replies', async () => {
    const s = new MemoryBottleStore()
    const b = await s.add('a', 'x', 1)
    expect(await s.pickOf(b.bottleId)).toBeUndefined()
    await s.take('b')
    expect(await s.pickOf(b.bottleId)).toEqual({bottleId: b.bottleId, picker: 'b', thrower: 'a'})
  })

  it('concurrent takes get distinct bottles', async () => {
    const s = new MemoryBottleStore()
    for (let i = 0; i < 20; i++) await s.add(`t${i % 3}`, `c${i}`, i)
    const got = (await Promise.all(Array.from({length: 50}, (_, i) => s.take(`p${i}`)))).filter((b) => b !== null)
    expect(got).toHaveLength(20)
    expect(new Set(got.map((b) => b.bottleId)).size).toBe(20)
  })

  it('drops the oldest bottles and picks beyond its bounds', async () => {
    const s = new MemoryBottleStore({maxBottles: 3, maxPicks: 2, random: () => 0})
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await s.add('a', `c${i}`, i)).bottleId)
    expect(s.size).toBe(3)
    const picked = []
    for (let i = 0; i < 3; i++) picked.push((await s.take('b'))!.content)
    expect(picked.sort()).toEqual(['c2', 'c3', 'c4'])
    const remembered = await Promise.all(ids.map((id) => s.pickOf(id)))
    expect(remembered.filter(Boolean)).toHaveLength(2)
  })
})
