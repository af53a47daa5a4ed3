import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../common/histogram.js'
import {seededLatencies} from '../../../test/support/results-fixtures.js'
import {mannWhitneyGreater, meanInterval, percentileInterval} from './statistic-interval.js'

describe('percentileInterval', () => {
  it('brackets the value and narrows as samples grow', () => {
    const small = percentileInterval(seededLatencies(1, 2_000), 99)
    const large = percentileInterval(seededLatencies(1, 200_000), 99)
    for (const i of [small, large]) {
      expect(i.low).toBeLessThanOrEqual(i.value)
      expect(i.high).toBeGreaterThanOrEqual(i.value)
    }
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 3)
  })

  it('covers the true p99 of the distribution in most of 40 seeded runs (99% intended)', () => {
    // The log-normal's true p99: 5 ms × e^(0.6 × 2.3263).
    const truth = 5 * Math.exp(0.6 * 2.3263)
    let covered = 0
    for (let seed = 1; seed <= 40; seed++) {
      const i = percentileInterval(seededLatencies(seed, 5_000), 99)
      if (i.low <= truth && truth <= i.high) covered++
    }
    expect(covered).toBeGreaterThanOrEqual(37)
  })

  it('reads exact ranks: of 1..100 ms, rank 10 is 10 ms', () => {
    const h = new LatencyHistogram()
    for (let v = 1; v <= 100; v++) h.record(v)
    expect(h.valueAtRank(10)).toBeCloseTo(10, 1)
    expect(h.valueAtRank(0)).toBeCloseTo(1, 1)
    expect(h.valueAtRank(1000)).toBeCloseTo(100, 0)
  })
})

describe('meanInterval', () => {
  it('is the mean ± z standard errors', () => {
    const h = seededLatencies(3, 10_000)
    const i = meanInterval(h)
    expect(i.value).toBe(h.mean)
    expect(i.high - i.value).toBeCloseTo((2.5758 * h.stdDeviation) / 100, 6)
  })
})

describe('mannWhitneyGreater', () => {
  it('is large when b is shifted up, near 0 for the same values, negative when b is lower', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(mannWhitneyGreater(a, a.map((v) => v + 20))).toBeGreaterThan(3.5)
    expect(Math.abs(mannWhitneyGreater(a, a))).toBeLessThan(0.2)
    expect(mannWhitneyGreater(a, a.map((v) => v - 20))).toBeLessThan(-3.5)
  })

  it('counts one extreme value as one value (rank-based)', () => {
    const a = [5, 5.1, 4.9, 5.2, 4.8, 5, 5.1, 4.9]
    expect(mannWhitneyGreater(a, [...a.slice(0, 7), 1e6])).toBeLessThan(1)
  })
})
