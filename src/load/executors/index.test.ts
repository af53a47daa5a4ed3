import {describe, expect, it} from 'vitest'
import {planFor} from './index.js'
import {globalIndex, shareCount} from './share.js'

describe('planFor', () => {
  it('picks the plan builder of each executor', () => {
    expect(planFor({executor: 'constant-vus', vus: 1, durationMs: 1, gracefulStopMs: 0}).kind).toBe('vus')
    expect(planFor({executor: 'ramping-vus', startVUs: 0, stages: [], gracefulRampDownMs: 0, gracefulStopMs: 0}).kind).toBe('vus')
    expect(planFor({executor: 'constant-arrival-rate', rate: 1, timeUnitMs: 1000, durationMs: 1, preAllocatedVUs: 1, maxVUs: 1, gracefulStopMs: 0}).kind).toBe('arrival')
    expect(planFor({executor: 'ramping-arrival-rate', startRate: 0, timeUnitMs: 1000, stages: [], preAllocatedVUs: 1, maxVUs: 1, gracefulStopMs: 0}).kind).toBe('arrival')
  })
})

describe('shares', () => {
  it.each([
    [6, 0, 2, 3],
    [6, 1, 2, 3],
    [7, 0, 2, 4],
    [7, 1, 2, 3],
    [2, 2, 3, 0],
    [3, 2, 3, 1],
    [0, 0, 1, 0],
    [5, 0, 1, 5],
  ])('of %d items worker %d of %d owns %d', (n, worker, workers, count) => {
    expect(shareCount(n, {worker, workers})).toBe(count)
    const owned = Array.from({length: n}, (_, g) => g).filter((g) => g % workers === worker)
    expect(Array.from({length: count}, (_, k) => globalIndex(k, {worker, workers}))).toEqual(owned)
  })
})
