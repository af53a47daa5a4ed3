import {describe, expect, it} from 'vitest'
import {FakeClock, realClock} from './clock.js'

describe('realClock', () => {
  it('reads a host-wide time near Date.now()', () => {
    expect(Math.abs(realClock.now() - Date.now())).toBeLessThan(1000)
  })

  it('sleeps roughly the asked time and resolves at once for ms <= 0', async () => {
    const t0 = realClock.now()
    await realClock.sleep(5)
    expect(realClock.now() - t0).toBeGreaterThanOrEqual(4)
    await realClock.sleep(0)
    await realClock.sleep(-3)
  })

  it('rejects with the signal reason on abort', async () => {
    const ctl = new AbortController()
    const reason = new Error('stop')
    const sleeping = realClock.sleep(10_000, ctl.signal)
    ctl.abort(reason)
    await expect(sleeping).rejects.toBe(reason)
    await expect(realClock.sleep(0, ctl.signal)).rejects.toBe(reason)
  })
})

describe('FakeClock', () => {
  it('fires sleeps in deadline order as time advances', async () => {
    const clock = new FakeClock(1000)
    const fired: Array<[string, number]> = []
    void clock.sleep(30).then(() => fired.push(['c', clock.now()]))
    void clock.sleep(10).then(() => fired.push(['a', clock.now()]))
    void clock.sleep(20).then(() => fired.push(['b', clock.now()]))
    await clock.advance(15)
    expect(fired).toEqual([['a', 1010]])
    expect(clock.now()).toBe(1015)
    await clock.advanceTo(1100)
    expect(fired).toEqual([['a', 1010], ['b', 1020], ['c', 1030]])
    expect(clock.now()).toBe(1100)
    expect(clock.pending).toBe(0)
  })

  it('fires sleeps chained by resolved code within the same advance', async () => {
    const clock = new FakeClock()
    const ticks: number[] = []
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(100)
        await Promise.resolve()
        ticks.push(clock.now())
      }
    })()
    await clock.advance(350)
    expect(ticks).toEqual([100, 200, 300])
    await clock.advance(1000)
    expect(ticks).toEqual([100, 200, 300, 400, 500])
  })

  it('resolves non-positive sleeps at once and rejects aborted ones', async () => {
    const clock = new FakeClock()
    await clock.sleep(0)
    const ctl = new AbortController()
    const sleeping = clock.sleep(50, ctl.signal)
    expect(clock.pending).toBe(1)
    ctl.abort('gone')
    await expect(sleeping).rejects.toBe('gone')
    expect(clock.pending).toBe(0)
    await expect(clock.sleep(5, ctl.signal)).rejects.toBe('gone')
  })

  it('never moves backwards', async () => {
    const clock = new FakeClock(500)
    await clock.advanceTo(100)
    expect(clock.now()).toBe(500)
  })
})
