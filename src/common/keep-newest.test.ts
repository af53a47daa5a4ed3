import {describe, expect, it} from 'vitest'
import {keepNewest} from './keep-newest.js'

describe('keepNewest', () => {
  it('forgets the oldest keys of a Set beyond the cap, and nothing under it', () => {
    const s = new Set([1, 2, 3, 4, 5])
    keepNewest(s, 8)
    expect([...s]).toEqual([1, 2, 3, 4, 5])
    keepNewest(s, 3)
    expect([...s]).toEqual([3, 4, 5])
  })

  it('keeps a Map to the newest entries however many are added', () => {
    const m = new Map<number, string>()
    for (let i = 0; i < 10_000; i++) {
      m.set(i, String(i))
      keepNewest(m, 100)
    }
    expect(m.size).toBe(100)
    expect([...m.keys()][0]).toBe(9_900)
  })
})
