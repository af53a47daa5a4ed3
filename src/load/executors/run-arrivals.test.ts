import {describe, expect, it} from 'vitest'
import {FakeClock} from '../clock.js'
import type {Clock} from '../clock.js'
import {constantArrivalRate} from './constant-arrival-rate.js'
import type {ArrivalPlan} from './plan.js'
import {rampingArrivalRate} from './ramping-arrival-rate.js'
import {type ArrivalOptions, prepareArrivals, runArrivals} from './run-arrivals.js'
import type {Share} from './share.js'
import type {VirtualUser, VuFactory} from './virtual-user.js'

interface FakeVu extends VirtualUser {
  index: number
}

interface Iteration {
  at: number
  intended: number
  index: number
}

/** Fake VUs whose iterations take `iterMs` of fake time and are logged. */
function fakeFactory(clock: FakeClock, opts: {iterMs?: number; createMs?: number; failCreate?: (index: number) => boolean; failIteration?: (intended: number) => boolean} = {}) {
  const iterations: Iteration[] = []
  const creates: Array<[number, number]> = []
  const closes: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  const factory: VuFactory = {
    async create(index, signal) {
      creates.push([clock.now(), index])
      maxInFlight = Math.max(maxInFlight, ++inFlight)
      try {
        await clock.sleep(opts.createMs ?? 0, signal)
      } finally {
        inFlight--
      }
      if (opts.failCreate?.(index)) throw new Error(`create ${index} failed`)
      const vu: FakeVu = {
        index,
        async loop() {},
        async iterate(intended) {
          iterations.push({at: clock.now(), intended, index})
          await clock.sleep(opts.iterMs ?? 1)
          if (opts.failIteration?.(intended)) throw new Error('bad iteration')
        },
        async close() {
          closes.push(index)
        },
      }
      return vu
    },
  }
  return {factory, iterations, creates, closes, maxInFlight: () => maxInFlight}
}

function constant(rate: number, durationMs: number, preAllocatedVUs: number, maxVUs: number, gracefulStopMs = 0): ArrivalPlan {
  return constantArrivalRate({executor: 'constant-arrival-rate', rate, timeUnitMs: 1000, durationMs, preAllocatedVUs, maxVUs, gracefulStopMs})
}

function setup(clock: Clock, share: Share, startMs: number, extra: Partial<ArrivalOptions> = {}) {
  const counts = {dropped: 0, started: 0}
  const errors: Array<[string, string]> = []
  const o: ArrivalOptions = {
    clock, share, startMs, signal: new AbortController().signal,
    onError: (err, phase) => errors.push([phase, (err as Error).message]),
    onDropped: () => counts.dropped++,
    onIteration: () => counts.started++,
    ...extra,
  }
  const prepare = {share, signal: new AbortController().signal, rampConcurrency: 10, onError: o.onError}
  return {o, prepare, counts, errors}
}

const indices = (vus: VirtualUser[]): number[] => vus.map((vu) => (vu as FakeVu).index).sort((a, b) => a - b)

describe('prepareArrivals', () => {
  it("connects this worker's share of preAllocatedVUs through the ramp limit and reports failures", async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {createMs: 10, failCreate: (index) => index === 4})
    const {prepare, errors} = setup(clock, {worker: 1, workers: 3}, 0)
    const ready = prepareArrivals(constant(1, 1000, 20, 30), f.factory, {...prepare, rampConcurrency: 2})
    await clock.advanceTo(100)
    const pool = await ready
    expect(f.creates.map((c) => c[1])).toEqual([1, 4, 7, 10, 13, 16, 19])
    expect(f.maxInFlight()).toBe(2)
    expect(indices(pool.vus)).toEqual([1, 7, 10, 13, 16, 19])
    expect(pool.max).toBe(10)
    expect(errors).toEqual([['create', 'create 4 failed']])
  })
})

describe('runArrivals', () => {
  it("starts this worker's iterations at the plan's times, passing the intended times", async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const share = {worker: 2, workers: 3}
    const plan = rampingArrivalRate({
      executor: 'ramping-arrival-rate', startRate: 0, timeUnitMs: 1000, stages: [{durationMs: 2000, target: 20}],
      preAllocatedVUs: 3, maxVUs: 3, gracefulStopMs: 0,
    })
    const {o, prepare, counts} = setup(clock, share, 1000)
    const pool = await prepareArrivals(plan, f.factory, prepare)
    const run = runArrivals(plan, pool, o)
    await clock.advanceTo(3000)
    expect(indices(await run)).toEqual([2])
    const expected: number[] = []
    for (let i = 2; plan.iterationAt(i) !== undefined; i += 3) expected.push(1000 + plan.iterationAt(i)!)
    expect(expected).toHaveLength(6)
    expect(f.iterations).toEqual(expected.map((t) => ({at: t, intended: t, index: 2})))
    expect(counts).toEqual({dropped: 0, started: 6})
    expect(f.closes).toEqual([])
  })

  it('starts overdue iterations at once with their original intended times when the driver lags', async () => {
    const fake = new FakeClock()
    let late = 700
    // The first sleep overruns by 700 ms, like a long GC pause.
    const clock: Clock = {
      now: () => fake.now(),
      sleep: (ms, signal) => {
        const extra = ms > 0 ? late : 0
        late = 0
        return fake.sleep(ms + extra, signal)
      },
      after: (ms, fn) => fake.after(ms, fn),
      cancel: (handle) => fake.cancel(handle),
    }
    const f = fakeFactory(fake, {iterMs: 5})
    const plan = constant(10, 1000, 10, 10)
    const {o, prepare, counts} = setup(clock, {worker: 0, workers: 1}, 0)
    const run = runArrivals(plan, await prepareArrivals(plan, f.factory, prepare), o)
    await fake.advanceTo(1000)
    await run
    expect(f.iterations.map((it) => [it.at, it.intended])).toEqual([
      [0, 0], [800, 100], [800, 200], [800, 300], [800, 400], [800, 500], [800, 600], [800, 700], [800, 800], [900, 900],
    ])
    expect(counts).toEqual({dropped: 0, started: 10})
  })

  it('drops iterations that find every VU busy, without waiting for them', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {iterMs: 250})
    const plan = constant(10, 1000, 1, 1)
    const {o, prepare, counts} = setup(clock, {worker: 0, workers: 1}, 0)
    const run = runArrivals(plan, await prepareArrivals(plan, f.factory, prepare), o)
    await clock.advanceTo(1000)
    await run
    expect(f.iterations.map((it) => it.at)).toEqual([0, 300, 600, 900])
    expect(counts).toEqual({dropped: 6, started: 4})
  })

  it("grows the pool on demand up to this worker's share of maxVUs", async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {iterMs: 250})
    // Worker 1 of 2 gets the odd iterations of 20/s (10/s, at 50, 150, …) and VUs 1, 3, 5.
    const plan = constant(20, 2000, 2, 6)
    const {o, prepare, counts} = setup(clock, {worker: 1, workers: 2}, 0)
    const pool = await prepareArrivals(plan, f.factory, prepare)
    expect(indices(pool.vus)).toEqual([1])
    const run = runArrivals(plan, pool, o)
    await clock.advanceTo(2000)
    expect(indices(await run)).toEqual([1, 3, 5])
    expect(f.creates).toEqual([[0, 1], [150, 3], [450, 5]])
    expect(counts.dropped).toBe(2)
    expect(counts.started).toBe(18)
  })

  it('waits for in-flight iterations at most gracefulStopMs after the end and leaves the VUs open', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {iterMs: 5000})
    const plan = constant(2, 1000, 2, 2, 300)
    const {o, prepare} = setup(clock, {worker: 0, workers: 1}, 0)
    const run = runArrivals(plan, await prepareArrivals(plan, f.factory, prepare), o)
    let done = false
    void run.then(() => (done = true))
    await clock.advanceTo(1299)
    expect(done).toBe(false)
    await clock.advanceTo(1300)
    expect(done).toBe(true)
    expect(indices(await run)).toEqual([0, 1])
    expect(f.closes).toEqual([])
  })

  it('reports a failed iteration and frees its VU', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock, {failIteration: (intended) => intended === 0})
    const plan = constant(10, 300, 1, 1)
    const {o, prepare, counts, errors} = setup(clock, {worker: 0, workers: 1}, 0)
    const run = runArrivals(plan, await prepareArrivals(plan, f.factory, prepare), o)
    await clock.advanceTo(300)
    await run
    expect(errors).toEqual([['iterate', 'bad iteration']])
    expect(counts).toEqual({dropped: 0, started: 3})
  })

  it('stops dispatching when the signal aborts', async () => {
    const clock = new FakeClock()
    const f = fakeFactory(clock)
    const stop = new AbortController()
    const plan = constant(10, 10_000, 1, 1)
    const {o, prepare, counts} = setup(clock, {worker: 0, workers: 1}, 0, {signal: stop.signal})
    const run = runArrivals(plan, await prepareArrivals(plan, f.factory, prepare), o)
    await clock.advanceTo(450)
    stop.abort()
    await clock.flush()
    expect(indices(await run)).toEqual([0])
    expect(counts.started).toBe(5)
  })
})
