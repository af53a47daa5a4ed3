import {describe, expect, it} from 'vitest'
import {rampingVus} from './ramping-vus.js'

describe('rampingVus', () => {
  const plan = rampingVus({
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      {durationMs: 10_000, target: 10},
      {durationMs: 5000, target: 10},
      {durationMs: 10_000, target: 0},
      {durationMs: 0, target: 4},
      {durationMs: 3000, target: 4},
    ],
    gracefulRampDownMs: 2000,
    gracefulStopMs: 5000,
  })

  it('sums stage durations and takes the highest target as maxVUs', () => {
    expect(plan).toMatchObject({kind: 'vus', durationMs: 28_000, maxVUs: 10, gracefulRampDownMs: 2000, gracefulStopMs: 5000})
  })

  it.each([
    [0, 0],
    [999, 0],
    [1000, 1],
    [5000, 5],
    [9999, 9],
    [10_000, 10],
    [12_000, 10],
    [15_000, 10],
    // Ramp-down keeps a VU until the line passes below it (k6 rounds towards the stage's start).
    [15_001, 10],
    [16_000, 9],
    [20_000, 5],
    [24_999, 1],
    // A zero-length stage jumps at its start time.
    [25_000, 4],
    [27_999, 4],
    [28_000, 4],
  ])('vusAt(%d) = %d', (t, vus) => {
    expect(plan.vusAt(t)).toBe(vus)
  })

  it('starts from startVUs and never exceeds the ramp between integers', () => {
    const p = rampingVus({executor: 'ramping-vus', startVUs: 3, stages: [{durationMs: 700, target: 10}], gracefulRampDownMs: 0, gracefulStopMs: 0})
    expect(p.vusAt(-5)).toBe(3)
    expect(p.vusAt(0)).toBe(3)
    expect(p.vusAt(99)).toBe(3)
    expect(p.vusAt(100)).toBe(4)
    expect(p.vusAt(700)).toBe(10)
    expect(p.maxVUs).toBe(10)
    const values = Array.from({length: 701}, (_, t) => p.vusAt(t))
    for (let t = 1; t < values.length; t++) expect(values[t]! - values[t - 1]!).toBeGreaterThanOrEqual(0)
  })

  it('floorFrom(t) is never above vusAt at any later time (a zero-length stage may make it lower)', () => {
    for (let t = 0; t <= 28_000; t += 250) {
      let low = Infinity
      for (let u = t; u < 28_000; u += 50) low = Math.min(low, plan.vusAt(u))
      const floor = plan.floorFrom(t)
      expect(floor).toBeLessThanOrEqual(low)
      expect(floor).toBeGreaterThanOrEqual(Math.min(low, 4) - 1)
    }
    expect(rampingVus({executor: 'ramping-vus', startVUs: 0, stages: [{durationMs: 100, target: 8}, {durationMs: 100, target: 8}], gracefulRampDownMs: 0, gracefulStopMs: 0}).floorFrom(100)).toBe(8)
  })
})
