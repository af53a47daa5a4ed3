import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {RacyShopStore, RechargeService, type ShopDouble, withService, withStore} from './doubles/shop-services.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-flash-sale-'))
const results = (file: string): ResultsJson => JSON.parse(readFileSync(file, 'utf8')) as ResultsJson

describe('imh load --profile flash-sale (PROTOCOL.md §17)', () => {
  it('against the embedded reference server: every sale sold exactly out, each order paid once, thresholds met', async () => {
    const out = join(dir, 'sale.json')
    const r = await runCli(['load', '--profile', 'flash-sale', '--duration', '4s', '--workers', '2', '--out', out, '--quiet'], 120_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code, r.stdout).toBe(0)
    const j = results(out)
    expect(j.ok).toBe(true)
    expect(j.counters.oversold).toBe(0)
    expect(j.counters.double_charged).toBe(0)
    expect(j.counters.orders).toBeGreaterThanOrEqual(5)
    expect(j.counters.paid).toBe(j.counters.orders)
    expect(j.counters.sold_out).toBeGreaterThan(0)
    for (const m of ['order_latency', 'pay_latency', 'pay_notify']) expect(j.metrics[m]?.count, m).toBeGreaterThan(0)
    expect(j.thresholds.filter((t) => ['oversold', 'double_charged'].includes(t.metric)).map((t) => [t.metric, t.expression, t.ok])).toEqual([
      ['oversold', 'count==0', true], ['double_charged', 'count==0', true],
    ])
    expect(j.errors).toEqual({})
  }, 150_000)
})

/** A reference server with one shop bug planted, given to imh load as --target with its own DNS as --resolver. */
const BROKEN: Array<{name: string; make: ShopDouble; counter: 'oversold' | 'double_charged'}> = [
  {name: 'a shop that checks stock, then reserves', make: withStore(() => new RacyShopStore()), counter: 'oversold'},
  {name: 'a shop that charges again on a repeated pay', make: withService((o) => new RechargeService(o)), counter: 'double_charged'},
]

describe.each(BROKEN)('imh load --profile flash-sale against $name', ({make, counter}) => {
  it(`fails its thresholds (exit 99): ${counter} > 0`, async () => {
    let server: ReferenceServer | undefined
    try {
      server = await startReferenceServer({services: {shop: make}})
      const out = join(dir, `${counter}.json`)
      const args = ['load', '--profile', 'flash-sale', '--duration', '3s', '--workers', '0', '--target', server.urls.scheduler, '--resolver', server.resolver!, '--out', out, '--quiet']
      const r = await runCli(args, 120_000)
      expect(r.code, r.stdout).toBe(99)
      const j = results(out)
      expect(j.counters[counter]).toBeGreaterThan(0)
      expect(j.thresholds.find((t) => t.metric === counter)).toMatchObject({expression: 'count==0', ok: false})
    } finally {
      await server?.close()
    }
  }, 150_000)
})
