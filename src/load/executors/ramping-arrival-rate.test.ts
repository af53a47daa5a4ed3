import {describe, expect, it} from 'vitest'
import type {Stage} from '../types.js'
import type {ArrivalPlan} from './plan.js'
import {rampingArrivalRate} from './ramping-arrival-rate.js'

function plan(startRate: number, stages: Stage[], timeUnitMs = 1000): ArrivalPlan {
  return rampingArrivalRate({executor: 'ramping-arrival-rate', startRate, timeUnitMs, stages, preAllocatedVUs: 1, maxVUs: 1, gracefulStopMs: 0})
}

function allIterations(p: ArrivalPlan): number[] {
  const times: number[] = []
  for (let i = 0; ; i++) {
    const t = p.iterationAt(i)
    if (t === undefined) return times
    times.push(t)
  }
}

function countIn(times: number[], from: number, to: number): number {
  return times.filter((t) => t >= from && t < to).length
}

describe('rampingArrivalRate', () => {
  it('ramps 0 → 10/s over 10s: area t²/2, iteration i once the area reaches i + 1 (as k6)', () => {
    const p = plan(0, [{durationMs: 10_000, target: 10}])
    expect(p.durationMs).toBe(10_000)
    for (const i of [0, 1, 7, 17, 31, 48]) expect(p.iterationAt(i)).toBeCloseTo(1000 * Math.sqrt(2 * (i + 1)), 6)
    // The 50th whole iteration of area lands exactly at the end, which is outside the run.
    expect(p.iterationAt(49)).toBeUndefined()
    expect(allIterations(p)).toHaveLength(49)
  })

  it('matches k6 TestRampingArrivalRateCal (0 → 1 over 5s, hold 1s, 1 → 0 over 5s)', () => {
    const p = plan(0, [{durationMs: 5000, target: 1}, {durationMs: 1000, target: 1}, {durationMs: 5000, target: 0}])
    // k6 also lists 11000, the exact end, which its run loop never reaches.
    expect(allIterations(p).map(Math.trunc)).toEqual([3162, 4472, 5500, 6527, 7837])
  })

  it('puts as many iterations in each stage as the area under the rate (±1)', () => {
    const stages: Stage[] = [
      {durationMs: 7000, target: 33},
      {durationMs: 4000, target: 33},
      {durationMs: 3000, target: 5},
      {durationMs: 6000, target: 0},
      {durationMs: 5000, target: 0},
      {durationMs: 5000, target: 12},
    ]
    const p = plan(3, stages)
    const times = allIterations(p)
    for (let j = 1; j < times.length; j++) expect(times[j]!).toBeGreaterThanOrEqual(times[j - 1]!)
    let start = 0
    let from = 3
    for (const {durationMs, target} of stages) {
      const area = ((from + target) / 2) * (durationMs / 1000)
      expect(Math.abs(countIn(times, start, start + durationMs) - area)).toBeLessThanOrEqual(1)
      start += durationMs
      from = target
    }
    // The area before the zero-rate stage (20s–25s) is whole, so its last iteration falls
    // exactly on the stage's start; inside the stage there are none.
    expect(times).toContain(20_000)
    expect(countIn(times, 20_000.001, 25_000)).toBe(0)
    expect(times.at(-1)!).toBeLessThan(p.durationMs)
  })

  it('carries fractional area across stage boundaries', () => {
    // 2.5 iterations in the first second, then 1/s: the third fires when 0.5 more has accrued.
    const p = plan(0, [{durationMs: 1000, target: 5}, {durationMs: 0, target: 1}, {durationMs: 3000, target: 1}])
    expect(p.iterationAt(2)).toBeCloseTo(1500, 6)
    expect(p.iterationAt(3)).toBeCloseTo(2500, 6)
  })

  it('spaces a constant stage evenly, the first after one interval', () => {
    const p = plan(10, [{durationMs: 1000, target: 10}])
    expect(allIterations(p)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900])
  })

  it('handles a time unit of a minute', () => {
    // 0 → 120/min (2/s) over 60s: area t²/60 (t in s), 60 iterations in all.
    const p = plan(0, [{durationMs: 60_000, target: 120}], 60_000)
    expect(p.rateAt(30_000)).toBeCloseTo(1, 9)
    expect(p.iterationAt(0)).toBeCloseTo(1000 * Math.sqrt(60), 6)
    expect(p.iterationAt(14)).toBeCloseTo(30_000, 6)
    expect(allIterations(p)).toHaveLength(59)
  })

  it('reports the interpolated rate per second', () => {
    const p = plan(0, [{durationMs: 10_000, target: 10}, {durationMs: 0, target: 4}, {durationMs: 1000, target: 4}])
    expect(p.rateAt(-1)).toBe(0)
    expect(p.rateAt(0)).toBe(0)
    expect(p.rateAt(2500)).toBe(2.5)
    expect(p.rateAt(10_000)).toBe(4)
    expect(p.rateAt(11_000)).toBe(0)
  })
})
