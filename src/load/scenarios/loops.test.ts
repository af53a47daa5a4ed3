import {describe, expect, it} from 'vitest'
import {ImhError} from '../../protocol/errors.js'
import {FakeClock} from '../clock.js'
import {paced, pacedWhileLinked, untilAbortOrClosed, whileLinked} from './loops.js'

describe('paced', () => {
  it('acts at a random phase within the first period, then once per period; after an overrun at once, with no burst to catch up', async () => {
    const clock = new FakeClock(0)
    const stop = new AbortController()
    const at: number[] = []
    const running = paced(clock, () => 0.5, 1000, stop.signal, async (startedMs) => {
      at.push(startedMs)
      // The second action takes 1.5 periods: the next one starts when it ends, not before.
      if (at.length === 2) await clock.sleep(1500)
    })
    await clock.advanceTo(5000)
    stop.abort()
    await running
    expect(at).toEqual([500, 1500, 3000, 4000, 5000])
  })
})

describe('pacedWhileLinked', () => {
  it('paces like paced(): a random phase, once per period, after an overrun at once with no burst', async () => {
    const clock = new FakeClock(0)
    const stop = new AbortController()
    const at: number[] = []
    const vu = {
      async iterate(startedMs: number): Promise<void> {
        at.push(startedMs)
        if (at.length === 2) await clock.sleep(1500)
      },
    }
    const running = pacedWhileLinked(clock, () => 0.5, 1000, stop.signal, new Promise<ImhError>(() => {}), vu)
    await clock.advanceTo(5000)
    stop.abort()
    await running
    expect(at).toEqual([500, 1500, 3000, 4000, 5000])
    expect(clock.pending).toBe(0)
  })

  it('stops when the session ends: rejects with its error once the iteration in flight is done, and starts none after', async () => {
    const clock = new FakeClock(0)
    let close!: (err: ImhError) => void
    const closed = new Promise<ImhError>((r) => (close = r))
    const at: number[] = []
    let release!: () => void
    const vu = {
      iterate(startedMs: number): Promise<void> {
        at.push(startedMs)
        return at.length === 2 ? new Promise<void>((r) => (release = r)) : Promise.resolve()
      },
    }
    const running = pacedWhileLinked(clock, () => 0, 1000, new AbortController().signal, closed, vu)
    let settled = false
    running.catch(() => undefined).finally(() => (settled = true))
    await clock.advanceTo(1000)
    const kicked = new ImhError('IMH_ERR_CONNECTION_CLOSED', 'kicked')
    close(kicked)
    await clock.flush()
    expect(settled).toBe(false)
    release()
    await expect(running).rejects.toBe(kicked)
    await clock.advanceTo(5000)
    expect(at).toEqual([0, 1000])
    expect(clock.pending).toBe(0)
  })

  it('ends at once on a signal that already aborted, and an iteration that throws ends it with its error', async () => {
    const clock = new FakeClock(0)
    const never = new Promise<ImhError>(() => {})
    const aborted = AbortSignal.abort()
    await expect(pacedWhileLinked(clock, () => 0, 1000, aborted, never, {iterate: async () => {}})).resolves.toBeUndefined()
    const boom = new Error('boom')
    const running = expect(pacedWhileLinked(clock, () => 0, 1000, new AbortController().signal, never, {iterate: () => Promise.reject(boom)})).rejects.toBe(boom)
    await clock.advanceTo(0)
    await running
  })
})

describe('untilAbortOrClosed / whileLinked', () => {
  it('resolves on abort and throws the error that closed the session', async () => {
    const stop = new AbortController()
    const waiting = untilAbortOrClosed(stop.signal, new Promise<ImhError>(() => {}))
    stop.abort()
    await expect(waiting).resolves.toBeUndefined()
    const kicked = new ImhError('IMH_ERR_CONNECTION_CLOSED', 'kicked')
    await expect(untilAbortOrClosed(new AbortController().signal, Promise.resolve(kicked))).rejects.toBe(kicked)
  })

  it('whileLinked waits for the body, which sees alive() turn false when the link dies', async () => {
    let close!: (e: ImhError) => void
    const closed = new Promise<ImhError>((resolve) => (close = resolve))
    const seen: boolean[] = []
    const linked = whileLinked(new AbortController().signal, closed, async (alive) => {
      seen.push(alive())
      await new Promise((resolve) => setTimeout(resolve, 10))
      seen.push(alive())
    })
    close(new ImhError('IMH_ERR_CONNECTION_CLOSED', 'gone'))
    await expect(linked).rejects.toMatchObject({code: 'IMH_ERR_CONNECTION_CLOSED'})
    expect(seen).toEqual([true, false])
  })
})

describe('paced loops of one clock', () => {
  it('share one clock timer: each keeps its own phase and period, and one that stops leaves the others on time', async () => {
    const clock = new FakeClock(0)
    const phases = [0.9, 0.1, 0.5, 0.3]
    const stops = phases.map(() => new AbortController())
    const at: number[][] = phases.map(() => [])
    const running = phases.map((phase, i) => paced(clock, () => phase, i === 3 ? 500 : 1000, stops[i]!.signal, async (startedMs) => {
      at[i]!.push(startedMs)
    }))
    await clock.advanceTo(1200)
    expect(clock.pending).toBe(1)
    stops[2]!.abort()
    await clock.advanceTo(2999)
    for (const s of stops) s.abort()
    await Promise.all(running)
    expect(at).toEqual([[900, 1900, 2900], [100, 1100, 2100], [500], [150, 650, 1150, 1650, 2150, 2650]])
    expect(clock.pending).toBe(0)
  })
})
