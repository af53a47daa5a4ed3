import {describe, expect, it} from 'vitest'
import type {RateReport} from '../types.js'
import {mergeRates} from './merge-rates.js'

const target = (requestedPerS: number, achievedPerS: number, behindSeconds: number[] = []): RateReport['scenarios'][number] => ({
  scenarios: ['pairs'], counter: 'sent', unit: 'messages', scheduledPerS: requestedPerS, requestedPerS, achievedPerS,
  ratio: achievedPerS / requestedPerS, missed: false, behindSeconds,
})
const report = (...scenarios: RateReport['scenarios']): RateReport => ({flagged: false, tolerance: 0.95, scenarios})

describe('mergeRates', () => {
  it('adds each target over the shards and judges the sums again', () => {
    const m = mergeRates([report(target(50, 50)), report(target(50, 20, [3, 4]))], 10)
    expect(m.scenarios).toHaveLength(1)
    expect(m.scenarios[0]).toMatchObject({scheduledPerS: 100, requestedPerS: 100, achievedPerS: 70, ratio: 0.7, missed: true, behindSeconds: [3, 4]})
    expect(m.flagged).toBe(true)
  })

  it('keeps targets of different counters apart, and a run with none has none', () => {
    const other = {...target(10, 10), counter: 'iterations_started', scenarios: ['a']}
    expect(mergeRates([report(target(5, 5)), report(other)], 5).scenarios.map((s) => s.counter)).toEqual(['sent', 'iterations_started'])
    expect(mergeRates([report(), report()], 5)).toEqual({flagged: false, tolerance: 0.95, scenarios: []})
  })
})
