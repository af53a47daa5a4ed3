import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../../../reference-server/index.js'
import {seededRandom} from '../../common/random.js'
import {isImhError} from '../../protocol/index.js'
import {FakeClock} from '../clock.js'
import {planFor} from '../executors/index.js'
import {Tallies} from '../metrics/joined-counter.js'
import {MetricsAggregate, MetricsRecorder} from '../metrics/registry.js'
import {parseProfile} from '../profile/load-profile.js'
import {SourceAddresses} from '../source-addresses.js'
import type {ScenarioContext} from './context.js'
import {Directory} from './directory.js'
import {type LoadClientContext, startLoadClient, usernameFor} from './load-client.js'

let server: ReferenceServer
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(() => server.close())

/**
 * A scheduler in front of the reference server's: passes its answer on with the given ttl while
 * `up`, and answers 503 when not (a scheduler overwhelmed by a load run). Counts the requests.
 */
async function frontScheduler(ttl: number): Promise<{url: string; hits: () => number; down(): void; moveTo(s: ReferenceServer): void; close(): Promise<void>}> {
  let up = true
  let behind = server
  let hits = 0
  const front: Server = createServer(async (req, res) => {
    hits++
    if (!up) {
      res.writeHead(503).end()
      return
    }
    const answer = await (await fetch(new URL(req.url!, behind.urls.scheduler))).json() as Record<string, unknown>
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({...answer, ttl}))
  })
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}/dns`,
    hits: () => hits,
    down: () => (up = false),
    moveTo: (s) => (behind = s),
    close: () => new Promise((r) => {
      front.closeAllConnections()
      front.close(() => r())
    }),
  }
}

let runs = 0
function context(scheduler: string): LoadClientContext {
  const spec = parseProfile('scenarios: {s: {scenario: heartbeat, executor: constant-vus, vus: 2, duration: 1s}}', 'x.yaml').scenarios[0]!
  const clock = new FakeClock(0)
  const ctx: ScenarioContext = {
    name: spec.name, options: spec.options, plan: planFor(spec.spec), runId: `lc${++runs}`, urls: {scheduler}, recorder: new MetricsRecorder(), clock,
    addresses: new SourceAddresses(0), tallies: new Tallies(), directory: new Directory(), gauges: {connected: 0}, tls: {}, random: seededRandom(1), startedAt: 0,
  }
  return ctx as LoadClientContext
}

const start = (ctx: LoadClientContext, index: number) => startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: false})

describe('startLoadClient: a client that starts again keeps what it learned from the scheduler (PROTOCOL.md §2.4)', () => {
  it('past the answer\'s ttl, a scheduler that fails leaves a restarting client its learned fallback list', async () => {
    const front = await frontScheduler(0)
    try {
      const ctx = context(front.url)
      const first = await start(ctx, 0)
      expect(first.client.resolved!.sources.long).toBe('scheduler')
      await first.close()
      front.down()
      const again = await start(ctx, 0)
      expect(again.client.resolved!.sources).toMatchObject({long: 'fallback', short: 'fallback'})
      expect(again.client.link!.closed).toBeUndefined()
      await again.close()
      // A client that never got an answer learned no list: nothing to fall back on.
      const err = await start(ctx, 1).catch((e: unknown) => e)
      expect(isImhError(err, 'IMH_ERR_SCHEDULER_UNAVAILABLE')).toBe(true)
      expect(front.hits()).toBe(3)
    } finally {
      await front.close()
    }
  })

  it('within the ttl, a restarting client asks nobody and records no scheduler time', async () => {
    const front = await frontScheduler(60)
    try {
      const ctx = context(front.url)
      await (await start(ctx, 0)).close()
      await (await start(ctx, 0)).close()
      expect(front.hits()).toBe(1)
      const totals = new MetricsAggregate()
      totals.addDelta((ctx.recorder as MetricsRecorder).takeDelta())
      expect(totals.histogram('scheduler')?.summary().count).toBe(1)
      expect(totals.histogram('login')?.summary().count).toBe(2)
      // Another scenario's clients are other devices: their own look-up.
      await (await start(context(front.url), 0)).close()
      expect(front.hits()).toBe(2)
    } finally {
      await front.close()
    }
  })

  it('asks again, once, when the servers of a cached answer no longer answer (they moved)', async () => {
    const front = await frontScheduler(60)
    const moved = await startReferenceServer()
    try {
      const ctx = context(front.url)
      const first = await start(ctx, 0)
      const oldLong = first.client.resolved!.groups.long[0]
      await first.close()
      front.moveTo(moved)
      await server.close()
      const again = await start(ctx, 0)
      expect(again.client.resolved!.groups.long[0]).not.toBe(oldLong)
      expect(again.client.resolved!.groups.long[0]).toBe(moved.urls.long)
      expect(front.hits()).toBe(2)
      await again.close()
    } finally {
      server = moved
      await front.close()
    }
  })
})
