import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {type Periodic, PeriodicWheel} from './periodic-wheel.js'

/** A member that notes the (fake) time of each call. */
function member(calls: number[], onPeriod?: () => void): Periodic {
  return {onPeriod: () => {
    calls.push(performance.now())
    onPeriod?.()
  }}
}

beforeEach(() => {
  vi.useFakeTimers({toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance']})
})
afterEach(() => {
  vi.useRealTimers()
})

describe('PeriodicWheel: one timer for every member of a period', () => {
  it('calls each member once a period, the first call one period after it joined (within a slot)', () => {
    const wheel = new PeriodicWheel(1000)
    const a: number[] = []
    const b: number[] = []
    const aJoined = performance.now()
    wheel.add(member(a))
    vi.advanceTimersByTime(300)
    const bJoined = performance.now()
    wheel.add(member(b))
    vi.advanceTimersByTime(3000)
    expect(a.length).toBe(3)
    expect(b.length).toBe(3)
    const slot = 1000 / 64
    for (const [calls, joined] of [[a, aJoined], [b, bJoined]] as const) {
      expect(Math.abs(calls[0]! - joined - 1000)).toBeLessThanOrEqual(slot + 1)
      for (let i = 1; i < calls.length; i++) expect(Math.abs(calls[i]! - calls[i - 1]! - 1000)).toBeLessThanOrEqual(slot + 1)
    }
    expect(wheel.size).toBe(2)
  })

  it('stops calling a member that left, and its timer when the last one leaves', () => {
    const wheel = new PeriodicWheel(100)
    const calls: number[] = []
    const m = member(calls)
    wheel.add(m)
    wheel.add(m)
    expect(wheel.size).toBe(1)
    vi.advanceTimersByTime(250)
    expect(calls.length).toBe(2)
    expect(wheel.delete(m)).toBe(true)
    expect(wheel.delete(m)).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(500)
    expect(calls.length).toBe(2)
  })

  it('does not call a member another member removed in the same slot', () => {
    const wheel = new PeriodicWheel(100)
    const second: number[] = []
    const b = member(second)
    const a = member([], () => wheel.delete(b))
    wheel.add(a)
    wheel.add(b)
    vi.advanceTimersByTime(150)
    expect(second).toEqual([])
  })

  it('shares one wheel per period in a process', () => {
    expect(PeriodicWheel.of(5000)).toBe(PeriodicWheel.of(5000))
    expect(PeriodicWheel.of(5000)).not.toBe(PeriodicWheel.of(4000))
    expect(() => new PeriodicWheel(0)).toThrow(RangeError)
  })
})
