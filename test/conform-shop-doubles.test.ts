import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {shopCaseModule} from '../src/conform/cases/shop.js'
import type {ConformanceReport} from '../src/conform/index.js'
import {conform, expectDoubleVerdicts} from './conform-helpers.js'
import {
  AddressEntryService, AnyonePaysService, ForgetfulOrderService, FreshEtagService, LenientShopService, NeverExpireService, RacyShopStore, RechargeService,
  RevivingStore, ShipAnythingStore, type ShopDouble, SilentPaymentsService, StaleProductEtagService, withRecords, withService, withStore, wrongSrvPort,
} from './doubles/shop-services.js'

/**
 * Every shop case must fail against at least one server broken in one way, for that reason, while
 * cases that do not depend on the bug still pass (PROTOCOL.md §17). The bug is planted through the
 * reference server's `services.shop`; the cases find the shop through the server's own DNS, as
 * `imh conform` does with its embedded target.
 */
interface DoubleSpec {
  name: string
  make: ShopDouble
  fail: Record<string, RegExp>
  pass: string[]
}

const DOUBLES: DoubleSpec[] = [
  {name: 'a shop whose entry gives an address, not a name', make: withService((o) => new AddressEntryService(o)), fail: {'shop.dns': /DNS host name, not an address/}, pass: ['shop.pay-foreign']},
  {name: 'a shop whose SRV record points at the wrong port', make: withRecords(wrongSrvPort), fail: {'shop.dns': /SRV _imh-shop\._tcp\.shop\.imh\.test .* gives 127\.0\.0\.1:9, where GET \/catalogue failed/}, pass: []},
  {name: 'a shop whose catalogue ETag changes on every answer', make: withService((o) => new FreshEtagService(o)), fail: {'shop.catalogue-cache': /expected 304 Not Modified, got HTTP 200/}, pass: ['shop.product-cache', 'shop.dns']},
  {name: 'a shop whose product ETag ignores stock', make: withService((o) => new StaleProductEtagService(o)), fail: {'shop.product-cache': /expected the full 200 \(stock changed\), got HTTP 304/}, pass: ['shop.catalogue-cache']},
  {name: 'a shop that forgets order idempotency keys', make: withService((o) => new ForgetfulOrderService(o)), fail: {'shop.order-reserve': /orderId answered to the same order repeated/}, pass: ['shop.double-pay', 'shop.last-item']},
  {name: 'a shop that checks stock, then reserves', make: withStore(() => new RacyShopStore()), fail: {'shop.last-item': /of 50 buyers got an order for the last unit: the product was oversold by/}, pass: ['shop.order-reserve']},
  {name: 'a shop that charges again on a repeated pay', make: withService((o) => new RechargeService(o)), fail: {'shop.double-pay': /charged twice|must be the first/}, pass: ['shop.pay-notify', 'shop.pay-foreign']},
  {name: "a shop that lets anyone pay anyone's order", make: withService((o) => new AnyonePaysService(o)), fail: {'shop.pay-foreign': /expected ret 404 IMH_ERR_ORDER_NOT_FOUND, got HTTP 200/}, pass: ['shop.double-pay']},
  {name: 'a shop whose orders never expire', make: withService((o) => new NeverExpireService(o)), fail: {'shop.pay-expired': /expected ret 410 IMH_ERR_ORDER_EXPIRED, got HTTP 200/}, pass: ['shop.pay-cancelled']},
  {name: 'a shop that takes payment for cancelled orders', make: withStore(() => new RevivingStore()), fail: {'shop.pay-cancelled': /expected ret 409 IMH_ERR_ORDER_STATE, got HTTP 200/}, pass: ['shop.pay-expired']},
  {name: 'a shop that ships unpaid orders', make: withStore(() => new ShipAnythingStore()), fail: {'shop.states': /the seller ships an unpaid order: expected ret 409 IMH_ERR_ORDER_STATE/}, pass: ['shop.double-pay']},
  {name: 'a shop that never notifies payments', make: withService((o) => new SilentPaymentsService(o)), fail: {'shop.pay-notify': /no SYNC_NOTIFY with body \{"category": "payments"\}/}, pass: ['shop.double-pay']},
  {name: 'a shop that takes any body', make: withService((o) => new LenientShopService(o)), fail: {'shop.bad-body': /expected ret 400 IMH_ERR_BAD_REQUEST/}, pass: ['shop.pay-foreign']},
]

describe.each(DOUBLES)('shop cases against $name', (spec) => {
  let server: ReferenceServer
  let report: ConformanceReport
  beforeAll(async () => {
    server = await startEmbeddedTarget({port: 0, services: {shop: spec.make}})
    report = await conform(server, [...Object.keys(spec.fail), ...spec.pass])
  })
  afterAll(async () => {
    await server.close()
  })

  it('fails exactly the cases that check the broken requirement, for that reason, and passes the others', () => {
    expectDoubleVerdicts(report, spec.fail, spec.pass)
  })
})

describe('the reference server', () => {
  it('passes every shop case', async () => {
    const server = await startEmbeddedTarget({port: 0})
    try {
      const report = await conform(server, ['shop.*'])
      expect(report.cases.length).toBeGreaterThanOrEqual(12)
      expect(report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe('coverage of the doubles', () => {
  it('every shop case fails against at least one double', () => {
    const covered = new Set(DOUBLES.flatMap((d) => Object.keys(d.fail)))
    expect(shopCaseModule.cases.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([])
  })
})
