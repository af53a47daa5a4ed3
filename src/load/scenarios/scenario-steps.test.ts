import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../../../reference-server/index.js'
import {until} from '../../../test/support/until.js'
import {seededRandom} from '../../common/random.js'
import {FakeClock} from '../clock.js'
import {planFor} from '../executors/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {MetricsAggregate, MetricsRecorder} from '../metrics/registry.js'
import {parseProfile} from '../profile/load-profile.js'
import {SourceAddresses} from '../source-addresses.js'
import type {ScenarioContext} from './context.js'
import {Directory} from './directory.js'
import {factoryFor} from './index.js'
import {Tallies} from '../metrics/joined-counter.js'
import {LEDGER_LOST, countLost} from './ledger.js'

// Scenario steps on the FakeClock: the scenario's own pacing waits on the fake clock, so each
// `advance` releases exactly one round of actions; the requests themselves go to an in-process
// reference server in real time, and the test waits for them to land before the next round.

let server: ReferenceServer
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(() => server.close())

let runs = 0

/** One scenario of `body` (flow YAML), its context on a fake clock, and its metrics so far. */
function scenario(body: string) {
  const spec = parseProfile(`scenarios: {s: {${body}}}`, 'steps.yaml').scenarios[0]!
  const clock = new FakeClock(1_000_000)
  const recorder = new MetricsRecorder()
  const totals = new MetricsAggregate()
  const ctx: ScenarioContext = {
    name: spec.name, options: spec.options, plan: planFor(spec.spec), runId: `steps${++runs}`, urls: {scheduler: server.urls.scheduler},
    recorder, clock, addresses: new SourceAddresses(0), tallies: new Tallies(), directory: new Directory(), gauges: {connected: 0}, tls: {},
    random: seededRandom(7), startedAt: clock.now(),
  }
  const factory = factoryFor(spec.scenario, ctx)
  const stop = new AbortController()
  const vus: VirtualUser[] = []
  const loops: Array<Promise<void>> = []
  const metrics = () => {
    totals.addDelta(recorder.takeDelta())
    return {counter: (name: string) => totals.counter(name), trend: (name: string) => totals.histogram(name)?.summary()}
  }
  return {
    ctx,
    clock,
    metrics,
    /** Creates (logs in) VUs 0…n-1. */
    async create(n: number): Promise<VirtualUser[]> {
      for (let i = 0; i < n; i++) vus.push(await factory.create(i, stop.signal))
      return vus
    },
    /** Runs every VU's closed-model loop. */
    loop(): void {
      for (const vu of vus) loops.push(vu.loop(stop.signal))
    },
    /** Waits (real time) until `cond` holds of the metrics recorded so far. */
    until: (cond: (m: ReturnType<typeof metrics>) => boolean) => until(() => cond(metrics()), 10_000),
    async close(): Promise<void> {
      stop.abort()
      await Promise.all(loops)
      await Promise.all(vus.map((vu) => vu.close(1000)))
      expect(metrics().counter('errors')).toBe(0)
    },
  }
}

/** One sample of `value` ms, to the histogram's 3 significant digits. */
function oneSample(summary: {count: number; min: number; max: number} | undefined, value: number): void {
  expect(summary?.count).toBe(1)
  expect(summary!.min).toBeCloseTo(value, -1)
  expect(summary!.max).toBeCloseTo(value, -1)
}

/** Lets real-time work that nothing waits for happen, then checks nothing more was recorded. */
async function quiet(read: () => number): Promise<void> {
  const before = read()
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect(read()).toBe(before)
}

describe('bottle steps', () => {
  it('each interval releases one throw and one pick per VU; picked bottles are replied to and the replies reach their throwers', async () => {
    const s = scenario('scenario: bottle, executor: constant-vus, vus: 2, duration: 1m, throwInterval: 1s, pickInterval: 1s, replyRatio: 1, bottleSize: 16')
    await s.create(2)
    s.loop()
    for (let round = 1; round <= 2; round++) {
      await s.clock.advance(1000)
      await s.until((m) => m.counter('bottles_thrown') === 2 * round && m.counter('bottles_picked') + m.counter('bottles_empty') === 2 * round)
      await quiet(() => s.metrics().counter('bottles_thrown'))
    }
    await s.until((m) => m.counter('bottle_replies') >= 1)
    const m = s.metrics()
    expect(m.trend('bottle_pick')?.count).toBe(4)
    expect(m.counter('bottles_picked')).toBeGreaterThanOrEqual(1)
    // Every throw and every reply sends bottleSize bytes; with replyRatio 1 every picked bottle is answered.
    expect(m.counter('data_sent')).toBe(16 * (4 + m.counter('bottles_picked')))
    await s.close()
  })

  it('open model: an iteration throws and picks once, and bottle_pick counts from the intended start', async () => {
    const s = scenario('scenario: bottle, executor: constant-arrival-rate, rate: 1, duration: 1m, preAllocatedVUs: 1')
    const [vu] = await s.create(1)
    await vu!.iterate(s.clock.now() - 250)
    const m = s.metrics()
    expect(m.counter('bottles_thrown')).toBe(1)
    // The fake clock stood still during the requests: the sample is exactly the lateness.
    oneSample(m.trend('bottle_pick'), 250)
    await s.close()
  })
})

describe('chat steps', () => {
  it('each 1/messageRate a pair exchanges one message each way, acknowledged and delivered once', async () => {
    const s = scenario('scenario: chat, executor: constant-vus, vus: 2, duration: 1m, messageRate: 1, messageSize: 32')
    await s.create(2)
    s.loop()
    for (let round = 1; round <= 3; round++) {
      await s.clock.advance(1000)
      await s.until((m) => m.counter('delivered') === 2 * round)
      await quiet(() => s.metrics().counter('sent'))
    }
    const m = s.metrics()
    expect([m.counter('sent'), m.counter('acked'), m.counter('delivered'), m.counter('duplicates')]).toEqual([6, 6, 6, 0])
    expect(m.counter('data_sent')).toBe(6 * 32)
    expect(m.trend('sync_latency')?.count).toBe(6)
    expect(countLost([s.ctx.tallies.of(LEDGER_LOST).report()])).toBe(0)
    await s.close()
  })

  it('open model: send_ack and sync_latency count from the intended start', async () => {
    const s = scenario('scenario: chat, executor: constant-arrival-rate, rate: 1, duration: 1m, preAllocatedVUs: 2')
    const [a] = await s.create(2)
    await a!.iterate(s.clock.now() - 400)
    await s.until((m) => m.counter('delivered') === 1)
    const m = s.metrics()
    oneSample(m.trend('send_ack'), 400)
    oneSample(m.trend('sync_latency'), 400)
    oneSample(m.trend('send_ack_uncorrected'), 0)
    await s.close()
  })
})

describe('nearby steps', () => {
  it('each queryInterval a VU reports, lists the others and fetches only the avatars its cache lacks', async () => {
    const s = scenario('scenario: nearby, executor: constant-vus, vus: 3, duration: 1m, spread: 50, queryInterval: 2s, radius: 1000, pageSize: 20')
    await s.create(3)
    s.loop()
    await s.clock.advance(2000)
    await s.until((m) => m.trend('nearby_query')?.count === 3)
    // Each of the three sees the other two, none of whose avatars it held.
    await s.until((m) => m.counter('avatar_cache_miss') === 6)
    await s.clock.advance(2000)
    await s.until((m) => m.trend('nearby_query')?.count === 6 && m.counter('avatar_cache_hit') === 6)
    const m = s.metrics()
    expect(m.counter('avatar_cache_miss')).toBe(6)
    expect(m.trend('media_get')?.count).toBe(6)
    await s.close()
  })
})
