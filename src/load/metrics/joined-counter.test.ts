import {describe, expect, it} from 'vitest'
import {Tallies, joinReports, joinedCounter} from './joined-counter.js'

/** Units per item over workers, counted beyond a cap of 2 per item: no worker sees all of an item. */
const OVER = joinedCounter('over_cap', 'units beyond 2 per item, over every worker', {
  tally: () => new Map<string, number>(),
  report: (m) => [...m],
  join: (reports: ReadonlyArray<Array<[string, number]>>) => {
    const all = new Map<string, number>()
    for (const r of reports) for (const [item, n] of r) all.set(item, (all.get(item) ?? 0) + n)
    return [...all.values()].reduce((sum, n) => sum + Math.max(0, n - 2), 0)
  },
})

describe('joined counters', () => {
  it('are counters reported at 0 too', () => {
    expect(OVER).toMatchObject({name: 'over_cap', kind: 'counter', unit: 'count', reportZero: true})
  })

  it('keep one tally per worker and counter, shared by its scenarios, and join every worker\'s report', () => {
    const w1 = new Tallies()
    const w2 = new Tallies()
    const w3 = new Tallies()
    w1.of(OVER).set('a', 2)
    expect(w1.of(OVER)).toBe(w1.of(OVER))
    w2.of(OVER).set('a', 1)
    w2.of(OVER).set('b', 2)
    const reports = [w1.reports(), w2.reports(), w3.reports()]
    expect(reports).toEqual([{over_cap: [['a', 2]]}, {over_cap: [['a', 1], ['b', 2]]}, {}])
    // a: 3 of 2, one over; b at its cap; the worker without a tally adds nothing.
    expect(joinReports(OVER.name, OVER.join, reports)).toBe(1)
  })
})
