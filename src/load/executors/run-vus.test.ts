import {describe, expect, it} from 'vitest'
import {FakeClock} from '../clock.js'
import {constantVus} from './constant-vus.js'
import {rampingVus} from './ramping-vus.js'
import {runVus, type RunVusOptions} from './run-vus.js'
import type {Share} from './share.js'
import type {VirtualUser, VuFactory} from './virtual-user.js'

interface FakeVu extends VirtualUser {
  index: number
}

type Event = [ms: number, what: string, index: number]

interface FakeOptions {
  /** Fake ms a create takes. */
  createMs?: (index: number) => number
  /** Whether attempt (0-based) of a create fails. */
  failCreate?: (index: number, attempt: number) => boolean
  /** Fake ms after which a loop throws on its own, per attempt. */
  loopFailsAfter?: (index: number, attempt: number) => number | undefined
  /** Fake ms a loop takes to finish after its abort. */
  lingerMs?: number
}

/** A factory of fake VUs that log what happens to them, with fake-clock times. */
function fakeFactory(clock: FakeClock, opts: FakeOptions = {}) {
  const events: Event[] = []
  const closeGrace: number[] = []
  const attempts = new Map<string, number>()
  const attempt = (key: string): number => {
    const n = attempts.get(key) ?? 0
    attempts.set(key, n + 1)
    return n
  }
  let inFlight = 0
  let maxInFlight = 0
  const factory: VuFactory = {
    async create(index, signal) {
      const n = attempt(`create ${index}`)
      events.push([clock.now(), 'create', index])
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        await clock.sleep(opts.createMs?.(index) ?? 0, signal)
        if (opts.failCreate?.(index, n)) throw new Error(`create ${index} failed`)
      } finally {
        inFlight--
      }
      const vu: FakeVu = {
        index,
        async loop(loopSignal) {
          events.push([clock.now(), 'loop', index])
          const failAfter = opts.loopFailsAfter?.(index, attempt(`loop ${index}`))
          const aborted = new Promise<void>((resolve) => {
            if (loopSignal.aborted) resolve()
            loopSignal.addEventListener('abort', () => resolve(), {once: true})
          })
          if (failAfter !== undefined) {
            await Promise.race([aborted, clock.sleep(failAfter)])
            if (!loopSignal.aborted) throw new Error(`loop ${index} failed`)
          }
          await aborted
          if (opts.lingerMs) await clock.sleep(opts.lingerMs)
          events.push([clock.now(), 'loop-end', index])
        },
        async iterate() {},
        async close(graceMs) {
          events.push([clock.now(), 'close', index])
          closeGrace.push(graceMs)
        },
      }
      return vu
    },
  }
  return {factory, events, closeGrace, maxInFlight: () => maxInFlight, only: (what: string) => events.filter((e) => e[1] === what)}
}

function options(clock: FakeClock, share: Share = {worker: 0, workers: 1}, extra: Partial<RunVusOptions> = {}) {
  const errors: Array<[string, string]> = []
  const o: RunVusOptions = {
    clock, share, signal: new AbortController().signal, rampConcurrency: 100,
    onError: (err, phase) => errors.push([phase, (err as Error).message]),
    ...extra,
  }
  return {o, errors}
}

const indices = (vus: VirtualUser[]): number[] => vus.map((vu) => (vu as FakeVu).index)

describe('runVus', () => {
  it('runs its share of constant VUs and resolves with them open and their loops ended', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const {o, errors} = options(clock, {worker: 1, workers: 2})
    const active: number[] = []
    o.onVus = (n) => active.push(n)
    const run = runVus(constantVus({executor: 'constant-vus', vus: 6, durationMs: 1000, gracefulStopMs: 500}), f.factory, o)
    await clock.advance(0)
    expect(f.only('create')).toEqual([[0, 'create', 1], [0, 'create', 3], [0, 'create', 5]])
    expect(f.only('loop')).toHaveLength(3)
    await clock.advanceTo(1000)
    expect(indices(await run)).toEqual([1, 3, 5])
    expect(f.only('loop-end')).toEqual([[1000, 'loop-end', 1], [1000, 'loop-end', 3], [1000, 'loop-end', 5]])
    expect(f.only('close')).toEqual([])
    expect(active.at(-1)).toBe(3)
    expect(errors).toEqual([])
  })

  it('ramps up lowest index first and down highest first at the ticks the plan says', async () => {
    const clock = new FakeClock(5000)
    const f = fakeFactory(clock)
    const {o} = options(clock, undefined, {tickMs: 10})
    const plan = rampingVus({
      executor: 'ramping-vus', startVUs: 0, gracefulRampDownMs: 50, gracefulStopMs: 500,
      stages: [{durationMs: 400, target: 4}, {durationMs: 200, target: 4}, {durationMs: 100, target: 1}, {durationMs: 100, target: 1}],
    })
    const run = runVus(plan, f.factory, o)
    await clock.advanceTo(5800)
    expect(indices(await run)).toEqual([0])
    expect(f.only('create')).toEqual([[5100, 'create', 0], [5200, 'create', 1], [5300, 'create', 2], [5400, 'create', 3]])
    // 4 → 1 over 600–700 ms: a VU leaves once the line passes below it (3 at 633.3, 2 at 666.7).
    expect(f.only('loop-end')).toEqual([[5640, 'loop-end', 3], [5670, 'loop-end', 2], [5700, 'loop-end', 1], [5800, 'loop-end', 0]])
    expect(f.only('close')).toEqual([[5640, 'close', 3], [5670, 'close', 2], [5700, 'close', 1]])
    expect(f.closeGrace).toEqual([50, 50, 50])
  })

  it('stops surplus VUs highest first when several leave in one tick', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const {o} = options(clock)
    const plan = rampingVus({
      executor: 'ramping-vus', startVUs: 5, gracefulRampDownMs: 0, gracefulStopMs: 0,
      stages: [{durationMs: 300, target: 5}, {durationMs: 0, target: 1}, {durationMs: 200, target: 1}],
    })
    const run = runVus(plan, f.factory, o)
    await clock.advanceTo(500)
    expect(indices(await run)).toEqual([0])
    expect(f.only('close')).toEqual([[300, 'close', 4], [300, 'close', 3], [300, 'close', 2], [300, 'close', 1]])
  })

  it('closes a ramped-down VU whose loop lingers after gracefulRampDownMs', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {lingerMs: 1000})
    const {o} = options(clock)
    const plan = rampingVus({
      executor: 'ramping-vus', startVUs: 2, gracefulRampDownMs: 50, gracefulStopMs: 0,
      stages: [{durationMs: 200, target: 2}, {durationMs: 0, target: 1}, {durationMs: 500, target: 1}],
    })
    const run = runVus(plan, f.factory, o)
    await clock.advanceTo(700)
    expect(indices(await run)).toEqual([0])
    expect(f.only('close')).toEqual([[250, 'close', 1]])
  })

  it('reports a failed create and retries that index a second later', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {failCreate: (index, attempt) => index === 2 && attempt < 2})
    const {o, errors} = options(clock)
    const run = runVus(constantVus({executor: 'constant-vus', vus: 3, durationMs: 3000, gracefulStopMs: 0}), f.factory, o)
    await clock.advanceTo(3000)
    expect(indices(await run)).toEqual([0, 1, 2])
    expect(f.only('create').filter((e) => e[2] === 2).map((e) => e[0])).toEqual([0, 1000, 2000])
    expect(errors).toEqual([['create', 'create 2 failed'], ['create', 'create 2 failed']])
  })

  it('reports a loop that throws, closes its VU and connects that index again later', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {loopFailsAfter: (index, attempt) => (index === 1 && attempt === 0 ? 250 : undefined)})
    const {o, errors} = options(clock)
    const run = runVus(constantVus({executor: 'constant-vus', vus: 2, durationMs: 2000, gracefulStopMs: 0}), f.factory, o)
    await clock.advanceTo(2000)
    expect(indices(await run)).toEqual([0, 1])
    expect(errors).toEqual([['loop', 'loop 1 failed']])
    expect(f.only('close')).toEqual([[250, 'close', 1]])
    expect(f.only('create').filter((e) => e[2] === 1).map((e) => e[0])).toEqual([0, 1300])
  })

  it('never has more creates in flight than rampConcurrency', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {createMs: () => 50})
    const {o} = options(clock, undefined, {rampConcurrency: 2})
    const run = runVus(constantVus({executor: 'constant-vus', vus: 6, durationMs: 1000, gracefulStopMs: 0}), f.factory, o)
    await clock.advanceTo(1000)
    expect(await run).toHaveLength(6)
    expect(f.maxInFlight()).toBe(2)
    expect(f.only('create').map((e) => e[0])).toEqual([0, 0, 50, 50, 100, 100])
  })

  it('at the end includes creates that finish within gracefulStopMs and closes later ones', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {createMs: (index) => (index === 0 ? 10 : index === 1 ? 300 : 1000)})
    const {o} = options(clock)
    const run = runVus(constantVus({executor: 'constant-vus', vus: 3, durationMs: 100, gracefulStopMs: 500}), f.factory, o)
    await clock.advanceTo(600)
    // Index 2's create is aborted once the grace is over.
    expect(indices(await run)).toEqual([0, 1])
    expect(f.only('loop')).toEqual([[10, 'loop', 0]])
    expect(f.only('close')).toEqual([])
  })

  it('closes a create that ignores the abort and finishes after the grace', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const slow: VuFactory = {
      async create(index) {
        await clock.sleep(400)
        return f.factory.create(index, new AbortController().signal)
      },
    }
    const {o, errors} = options(clock)
    const run = runVus(constantVus({executor: 'constant-vus', vus: 1, durationMs: 100, gracefulStopMs: 100}), slow, o)
    await clock.advanceTo(200)
    expect(await run).toEqual([])
    await clock.advanceTo(400)
    expect(f.only('close')).toEqual([[400, 'close', 0]])
    expect(f.closeGrace).toEqual([0])
    expect(errors).toEqual([])
  })

  it('ends early when the signal aborts', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const stop = new AbortController()
    const {o} = options(clock, undefined, {signal: stop.signal})
    const run = runVus(constantVus({executor: 'constant-vus', vus: 2, durationMs: 10_000, gracefulStopMs: 100}), f.factory, o)
    await clock.advanceTo(1234)
    stop.abort()
    await clock.flush()
    expect(indices(await run)).toEqual([0, 1])
    expect(f.only('loop-end')).toEqual([[1234, 'loop-end', 0], [1234, 'loop-end', 1]])
  })

  it('waits for startMs before creating anything', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const {o} = options(clock, undefined, {startMs: 300})
    const run = runVus(constantVus({executor: 'constant-vus', vus: 1, durationMs: 100, gracefulStopMs: 0}), f.factory, o)
    await clock.advanceTo(299)
    expect(f.events).toEqual([])
    await clock.advanceTo(400)
    expect(indices(await run)).toEqual([0])
    expect(f.only('create')).toEqual([[300, 'create', 0]])
  })

  it('gives VUs the plan never stops early a shared stop signal, and each VU it may stop a signal of its own', async () => {
    const clock = new FakeClock()
    const signals = new Map<number, AbortSignal>()
    const factory: VuFactory = {
      async create(index) {
        return {
          loop: (signal) => {
            signals.set(index, signal)
            return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}))
          },
          async iterate() {},
          async close() {},
        }
      },
    }
    const {o} = options(clock)
    // 3 VUs for 300 ms, then 1 until 600 ms: index 0 stays to the end, 1 and 2 are stopped at 300.
    const plan = rampingVus({executor: 'ramping-vus', startVUs: 3, gracefulRampDownMs: 0, gracefulStopMs: 0, stages: [{durationMs: 300, target: 3}, {durationMs: 0, target: 1}, {durationMs: 300, target: 1}]})
    const run = runVus(plan, factory, o)
    await clock.advanceTo(100)
    const [s0, s1, s2] = [0, 1, 2].map((i) => signals.get(i)!)
    expect(new Set([s0, s1, s2]).size).toBe(3)
    await clock.advanceTo(300)
    expect([s0!.aborted, s1!.aborted, s2!.aborted]).toEqual([false, true, true])
    await clock.advanceTo(600)
    await run
    expect(s0!.aborted).toBe(true)

    const shared = new Map<number, AbortSignal>()
    const constant = runVus(constantVus({executor: 'constant-vus', vus: 3, durationMs: 100, gracefulStopMs: 0}), {
      create: async (index) => ({...(await factory.create(index, o.signal)), loop: (signal) => (shared.set(index, signal), factory.create(index, o.signal).then((vu) => vu.loop(signal)))}),
    }, options(clock).o)
    await clock.advance(50)
    expect(new Set(shared.values()).size).toBe(1)
    await clock.advance(100)
    expect(await constant).toHaveLength(3)
    expect([...shared.values()][0]!.aborted).toBe(true)
  })
})
