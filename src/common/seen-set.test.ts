import {describe, expect, it} from 'vitest'
import {seededRandom} from './random.js'
import {SeenSet} from './seen-set.js'

/** A reference set to compare against. */
function check(set: SeenSet, ref: Set<number>): void {
  expect(set.size).toBe(ref.size)
  const top = Math.max(-1, ...ref) + 3
  const wrong = Array.from({length: top + 1}, (_, n) => n).filter((n) => set.has(n) !== ref.has(n))
  expect(wrong).toEqual([])
}

describe('SeenSet', () => {
  it('collapses an in-order stream into one run', () => {
    const s = new SeenSet()
    let added = 0
    for (let n = 0; n < 100_000; n++) if (s.add(n)) added++
    expect(added).toBe(100_000)
    expect(s.runCount).toBe(1)
    expect([s.size, s.min, s.max]).toEqual([100_000, 0, 99_999])
    expect(s.add(500)).toBe(false)
  })

  it('tells duplicates apart and keeps one run per hole', () => {
    const s = new SeenSet()
    for (const n of [0, 1, 2, 5, 6, 9]) s.add(n)
    expect(s.runCount).toBe(3)
    expect(s.add(6)).toBe(false)
    expect(s.add(3)).toBe(true)
    expect(s.add(4)).toBe(true)
    expect(s.runCount).toBe(2)
    expect(s.toRuns()).toEqual([0, 7, 9, 10])
  })

  it('adversarial orders: evens then odds, descending, interleaved from both ends, shuffled', () => {
    const N = 2000
    const orders: number[][] = [
      [...Array.from({length: N / 2}, (_, i) => 2 * i), ...Array.from({length: N / 2}, (_, i) => 2 * i + 1)],
      Array.from({length: N}, (_, i) => N - 1 - i),
      Array.from({length: N}, (_, i) => (i % 2 === 0 ? i / 2 : N - 1 - (i - 1) / 2)),
    ]
    const random = seededRandom(7)
    const shuffled = Array.from({length: N}, (_, i) => i)
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    orders.push(shuffled)
    for (const order of orders) {
      const s = new SeenSet()
      const ref = new Set<number>()
      order.forEach((n, i) => {
        if (s.add(n) === ref.has(n)) throw new Error(`add(${n}) at ${i} disagrees`)
        ref.add(n)
        if (i % 197 === 0) check(s, ref)
        // Numbers added again along the way: still duplicates.
        if (i % 5 === 0 && s.add(order[i >> 1]!)) throw new Error(`re-add of ${order[i >> 1]} at ${i} counted new`)
      })
      check(s, ref)
      expect(s.runCount).toBe(1)
    }
  })

  it('runs spanning several others merge; counts only what is new', () => {
    const s = new SeenSet()
    for (const n of [1, 3, 5, 7]) s.add(n)
    expect(s.addRun(0, 9)).toBe(5)
    expect(s.toRuns()).toEqual([0, 9])
    expect(s.size).toBe(9)
  })

  it('counts what one set holds and the other does not, across runs', () => {
    const acked = SeenSet.fromRuns([0, 10, 20, 30])
    const delivered = SeenSet.fromRuns([2, 5, 8, 22, 25, 40])
    // acked 0..9 minus 2,3,4,8,9 → 5 missing; 20..29 minus 20,21,25..29 → 3 missing.
    expect(acked.countNotIn(delivered)).toBe(5 + 3)
    expect(acked.countNotIn(new SeenSet())).toBe(20)
    expect(new SeenSet().countNotIn(acked)).toBe(0)
  })

  it('rejects what is not a non-negative integer', () => {
    expect(() => new SeenSet().add(-1)).toThrow(RangeError)
    expect(() => new SeenSet().add(1.5)).toThrow(RangeError)
  })
})
