import {describe, expect, it} from 'vitest'
import {constantVus} from './constant-vus.js'

describe('constantVus', () => {
  const plan = constantVus({executor: 'constant-vus', vus: 7, durationMs: 10_000, gracefulStopMs: 3000})

  it.each([
    [-1, 0],
    [0, 7],
    [5000, 7],
    [9999, 7],
    [10_000, 0],
    [20_000, 0],
  ])('vusAt(%d) = %d', (t, vus) => {
    expect(plan.vusAt(t)).toBe(vus)
  })

  it('carries the duration, maxVUs and grace periods', () => {
    expect(plan).toMatchObject({kind: 'vus', durationMs: 10_000, maxVUs: 7, gracefulStopMs: 3000, gracefulRampDownMs: 3000})
  })
})
