import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {seededRandom} from '../src/common/random.js'
import {realClock} from '../src/load/clock.js'
import {planFor} from '../src/load/executors/index.js'
import type {VirtualUser} from '../src/load/executors/virtual-user.js'
import {MetricsRecorder} from '../src/load/metrics/registry.js'
import type {LoadUrls, ScenarioContext} from '../src/load/scenarios/context.js'
import {Directory} from '../src/load/scenarios/directory.js'
import {flashSaleFactory, flashSaleScenario} from '../src/load/scenarios/flash-sale.js'
import {Ledger} from '../src/load/scenarios/ledger.js'
import {SourceAddresses} from '../src/load/source-addresses.js'
import type {ScenarioSpec} from '../src/load/types.js'
import {RacyShopStore, RechargeService} from './doubles/shop-services.js'
import {type ShopTargetOptions, startShopTarget} from './doubles/shop-target.js'

interface SaleRun { counters: Record<string, number>; errors: Record<string, number>; trends: string[]; oversold: number }

/**
 * Runs flash-sale VUs in this process as `imh load` will once the scenario is registered: VU i in
 * "worker" i mod W, each worker with its own recorder and ledger, the directory shared, and the
 * coordinator's join done here (countOversold over the workers' reports).
 */
async function runSale(o: ShopTargetOptions, run: {vus: number; workers: number; ms: number; options?: Record<string, unknown>}): Promise<SaleRun> {
  const target = await startShopTarget(o)
  try {
    const ids = new Map<string, string>()
    const runId = randomBytes(4).toString('hex')
    const spec: ScenarioSpec = {
      name: 'sale', scenario: 'flash-sale' as ScenarioSpec['scenario'], startTimeMs: 0,
      spec: {executor: 'constant-vus', vus: run.vus, durationMs: run.ms, gracefulStopMs: 5000},
      options: {requestTimeoutMs: 5000, ...run.options} as ScenarioSpec['options'],
    }
    const workers = Array.from({length: run.workers}, (_, w) => {
      const recorder = new MetricsRecorder()
      const ctx: ScenarioContext = {
        spec, plan: planFor(spec.spec), runId, urls: {scheduler: target.scheduler, resolver: target.resolver} as LoadUrls, recorder, clock: realClock,
        addresses: new SourceAddresses(0), ledger: new Ledger(), directory: new Directory(() => {}, ids).scope(spec.name), gauges: {connected: 0},
        tls: {}, random: seededRandom(w + 1), startedAt: realClock.now(),
      }
      return {recorder, factory: flashSaleFactory(ctx)}
    })
    const abort = new AbortController()
    const vus: VirtualUser[] = await Promise.all(Array.from({length: run.vus}, (_, i) => workers[i % run.workers]!.factory.create(i, abort.signal)))
    const loops = vus.map((vu) => vu.loop(abort.signal).catch(() => undefined))
    await new Promise((r) => setTimeout(r, run.ms))
    abort.abort()
    await Promise.all(loops)
    await Promise.all(vus.map((vu) => vu.close(2000)))
    const out: SaleRun = {counters: {}, errors: {}, trends: [], oversold: flashSaleScenario.join(workers.map((w) => w.factory.report())).oversold}
    for (const w of workers) {
      const d = w.recorder.takeDelta()
      for (const [k, v] of Object.entries(d.counters)) out.counters[k] = (out.counters[k] ?? 0) + v
      for (const [k, v] of Object.entries(d.errors)) out.errors[k] = (out.errors[k] ?? 0) + v
      out.trends.push(...Object.keys(d.histograms))
    }
    return out
  } finally {
    await target.close()
  }
}

describe('flash-sale against the reference shop', () => {
  it('sells each sale exactly out, pays once per order, and sees every payment notice', async () => {
    const r = await runSale({}, {vus: 12, workers: 2, ms: 2500, options: {stock: 3, saleGap: 200}})
    expect(r.errors).toEqual({})
    expect(r.oversold).toBe(0)
    expect(r.counters.double_charged).toBe(0)
    expect(r.counters.orders).toBeGreaterThanOrEqual(3)
    expect(r.counters.paid).toBe(r.counters.orders)
    expect(r.counters.sold_out).toBeGreaterThan(0)
    expect(r.trends).toEqual(expect.arrayContaining(['order_latency', 'pay_latency', 'pay_notify']))
  })
})

describe('flash-sale detects a broken shop from what its clients saw', () => {
  it('oversold: a shop that checks stock, then reserves', async () => {
    const r = await runSale({store: new RacyShopStore()}, {vus: 12, workers: 2, ms: 1500, options: {stock: 1, saleGap: 200}})
    expect(r.oversold).toBeGreaterThan(0)
  })

  it('double_charged: a shop that charges again on a repeated pay', async () => {
    const r = await runSale({service: (o) => new RechargeService(o)}, {vus: 6, workers: 2, ms: 1500, options: {stock: 2, saleGap: 200}})
    expect(r.counters.double_charged).toBeGreaterThan(0)
    expect(r.oversold).toBe(0)
  })
})
