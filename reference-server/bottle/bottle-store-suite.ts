import {expect, it} from 'vitest'
import type {BottleStore, MemoryBottleStoreOptions} from './bottle-store.js'

/** A store under test, and how many bottles its pool holds (not part of the interface). */
export type MakeBottleStore = (options?: MemoryBottleStoreOptions) => Promise<{store: BottleStore; size: () => Promise<number>}>

/** The behaviour every BottleStore shares (PROTOCOL.md §14), run against each implementation. */
export function bottleStoreSuite(make: MakeBottleStore): void {
  it('never hands a picker its own bottle, and hands each bottle out once', async () => {
    const {store: s, size} = await make()
    await s.add('a', 'mine', 1)
    expect(await s.take('a')).toBeNull()
    const theirs = await s.add('b', 'theirs', 2)
    expect(await s.take('a')).toEqual(theirs)
    expect(await s.take('c')).toEqual({bottleId: expect.any(String), thrower: 'a', content: 'mine', throwTime: 1})
    expect(await s.take('c')).toBeNull()
    expect(await size()).toBe(0)
  })

  it('finds the one bottle not the picker’s among many of its own', async () => {
    const {store: s} = await make()
    for (let i = 0; i < 150; i++) await s.add('a', `c${i}`, i)
    const other = await s.add('b', 'other', 999)
    expect(await s.take('a')).toEqual(other)
    expect(await s.take('a')).toBeNull()
  })

  it('remembers who picked what, for replies', async () => {
    const {store: s} = await make()
    const b = await s.add('a', 'x', 1)
    expect(await s.pickOf(b.bottleId)).toBeUndefined()
    await s.take('b')
    expect(await s.pickOf(b.bottleId)).toEqual({bottleId: b.bottleId, picker: 'b', thrower: 'a'})
  })

  it('concurrent takes get distinct bottles', async () => {
    const {store: s} = await make()
    for (let i = 0; i < 20; i++) await s.add(`t${i % 3}`, `c${i}`, i)
    const got = (await Promise.all(Array.from({length: 50}, (_, i) => s.take(`p${i}`)))).filter((b) => b !== null)
    expect(got).toHaveLength(20)
    expect(new Set(got.map((b) => b.bottleId)).size).toBe(20)
  })

  it('drops the oldest bottles and picks beyond its bounds', async () => {
    const {store: s, size} = await make({maxBottles: 3, maxPicks: 2, random: () => 0})
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await s.add('a', `c${i}`, i)).bottleId)
    expect(await size()).toBe(3)
    const picked = []
    for (let i = 0; i < 3; i++) picked.push((await s.take('b'))!.content)
    expect(picked.sort()).toEqual(['c2', 'c3', 'c4'])
    const remembered = await Promise.all(ids.map((id) => s.pickOf(id)))
    expect(remembered.filter(Boolean)).toHaveLength(2)
  })
}
