import {describe, expect, it} from 'vitest'
import {constantArrivalRate} from './constant-arrival-rate.js'

describe('constantArrivalRate', () => {
  const plan = constantArrivalRate({
    executor: 'constant-arrival-rate', rate: 10, timeUnitMs: 1000, durationMs: 2000, preAllocatedVUs: 5, maxVUs: 20, gracefulStopMs: 1000,
  })

  it.each([
    [0, 0],
    [1, 100],
    [5, 500],
    [19, 1900],
    [20, undefined],
    [1000, undefined],
    [-1, undefined],
  ])('iterationAt(%d) = %s', (i, t) => {
    expect(plan.iterationAt(i)).toBe(t)
  })

  it('reports the rate per second inside the duration only', () => {
    expect(plan.rateAt(0)).toBe(10)
    expect(plan.rateAt(1999)).toBe(10)
    expect(plan.rateAt(2000)).toBe(0)
  })

  it('handles a time unit of a minute and raises maxVUs to preAllocatedVUs', () => {
    const p = constantArrivalRate({
      executor: 'constant-arrival-rate', rate: 30, timeUnitMs: 60_000, durationMs: 60_000, preAllocatedVUs: 8, maxVUs: 2, gracefulStopMs: 0,
    })
    expect(p.rateAt(0)).toBe(0.5)
    expect(p.iterationAt(1)).toBe(2000)
    expect(p.iterationAt(29)).toBe(58_000)
    expect(p.iterationAt(30)).toBeUndefined()
    expect(p.maxVUs).toBe(8)
  })

  it('plans nothing at rate 0', () => {
    const p = constantArrivalRate({
      executor: 'constant-arrival-rate', rate: 0, timeUnitMs: 1000, durationMs: 1000, preAllocatedVUs: 1, maxVUs: 1, gracefulStopMs: 0,
    })
    expect(p.iterationAt(0)).toBeUndefined()
  })
})
