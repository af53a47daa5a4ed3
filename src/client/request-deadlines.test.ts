import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {type DeadlineHolder, RequestDeadlines} from './request-deadlines.js'

/** A holder whose requests are deadlines; expireDue drops and records those due. */
function holder(deadlines: number[]): DeadlineHolder & {expired: number[]; left: number[]; asked: number} {
  const h = {
    expired: [] as number[],
    left: [...deadlines],
    asked: 0,
    expireDue(now: number) {
      h.asked++
      h.expired.push(...h.left.filter((d) => d <= now))
      h.left = h.left.filter((d) => d > now)
      return h.left.length ? Math.min(...h.left) : undefined
    },
  }
  return h
}

describe('RequestDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'performance']})
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('times out each deadline when it is due, the earliest first, and forgets holders with nothing left', () => {
    const wheel = new RequestDeadlines()
    const t0 = performance.now()
    const a = holder([t0 + 120])
    const b = holder([t0 + 40, t0 + 200])
    wheel.watch(a, t0 + 120)
    wheel.watch(b, t0 + 200)
    // An earlier deadline told later sets the timer earlier.
    wheel.watch(b, t0 + 40)
    vi.advanceTimersByTime(39)
    expect(b.expired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(b.expired).toEqual([t0 + 40])
    expect(a.expired).toEqual([])
    vi.advanceTimersByTime(80)
    expect(a.expired).toEqual([t0 + 120])
    expect(wheel.watched).toBe(1)
    vi.advanceTimersByTime(80)
    expect(b.expired).toEqual([t0 + 40, t0 + 200])
    expect(wheel.watched).toBe(0)
  })

  it('asks a holder answered meanwhile once, finds nothing due and sets no timer again', () => {
    const wheel = new RequestDeadlines()
    const h = holder([])
    wheel.watch(h, performance.now() + 20)
    vi.advanceTimersByTime(10_000)
    expect(h.asked).toBe(1)
    expect(h.expired).toEqual([])
    expect(wheel.watched).toBe(0)
  })

  it('forgets a holder that closed', () => {
    const wheel = new RequestDeadlines()
    const h = holder([performance.now() + 20])
    wheel.watch(h, performance.now() + 20)
    wheel.forget(h)
    vi.advanceTimersByTime(100)
    expect(h.asked).toBe(0)
  })
})
