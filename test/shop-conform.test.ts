import {beforeAll, describe, expect, it} from 'vitest'
import {fetchSchedulerAnswer} from '../src/client/resolve.js'
import {CaseContext, type Target, verdictFor} from '../src/conform/index.js'
import {shopCases} from '../src/conform/cases/shop.js'
import {
  AddressEntryService, AnyonePaysService, ForgetfulOrderService, FreshEtagService, LenientShopService, NeverExpireService, RacyShopStore, RechargeService,
  RevivingStore, ShipAnythingStore, StaleProductEtagService, silentPayments, wrongSrvPort,
} from './doubles/shop-services.js'
import {type ShopTargetOptions, startShopTarget} from './doubles/shop-target.js'

type Outcome = {verdict: string; message: string}

/**
 * Runs shop cases as `imh conform --resolver <the target's DNS>` will: the runner does not carry a
 * resolver address yet (the lead adds Target.resolver when wiring), so the cases run here through
 * the same CaseContext and verdict rules, with the target's resolver in their Target.
 */
async function runShopCases(o: ShopTargetOptions, ids: readonly string[]): Promise<Record<string, Outcome>> {
  const target = await startShopTarget(o)
  try {
    const t: Target & {resolver: string} = {scheduler: target.scheduler, answer: await fetchSchedulerAnswer(target.scheduler), answerError: undefined, resolver: target.resolver}
    const cases = shopCases.filter((c) => ids.includes(c.id))
    const entries = await Promise.all(cases.map(async (c): Promise<[string, Outcome]> => {
      const ctx = new CaseContext(t, 1, 20_000)
      let outcome: Parameters<typeof verdictFor>[1]
      try {
        outcome = {ok: true, info: await c.run(ctx)}
      } catch (error) {
        outcome = {ok: false, error}
      } finally {
        await ctx.cleanup()
      }
      return [c.id, verdictFor(c, outcome)]
    }))
    return Object.fromEntries(entries)
  } finally {
    await target.close()
  }
}

const ALL = shopCases.map((c) => c.id)

describe('the reference shop', () => {
  it('passes every shop case', async () => {
    const got = await runShopCases({}, ALL)
    expect(Object.keys(got).length).toBeGreaterThanOrEqual(12)
    expect(Object.entries(got).filter(([, o]) => o.verdict !== 'pass').map(([id, o]) => `${id}: ${o.verdict} ${o.message}`)).toEqual([])
  })
})

interface DoubleSpec {
  name: string
  options: ShopTargetOptions
  fail: Record<string, RegExp>
  pass: string[]
}

const DOUBLES: DoubleSpec[] = [
  {name: 'a shop whose entry gives an address, not a name', options: {service: (o) => new AddressEntryService(o)}, fail: {'shop.dns': /DNS host name, not an address/}, pass: ['shop.pay-foreign']},
  {name: 'a shop whose SRV record points at the wrong port', options: {records: wrongSrvPort}, fail: {'shop.dns': /SRV _imh-shop\._tcp\.shop\.imh\.test .* gives 127\.0\.0\.1:9, where GET \/catalogue failed/}, pass: []},
  {name: 'a shop whose catalogue ETag changes on every answer', options: {service: (o) => new FreshEtagService(o)}, fail: {'shop.catalogue-cache': /expected 304 Not Modified, got HTTP 200/}, pass: ['shop.product-cache', 'shop.dns']},
  {name: 'a shop whose product ETag ignores stock', options: {service: (o) => new StaleProductEtagService(o)}, fail: {'shop.product-cache': /expected the full 200 \(stock changed\), got HTTP 304/}, pass: ['shop.catalogue-cache']},
  {name: 'a shop that forgets order idempotency keys', options: {service: (o) => new ForgetfulOrderService(o)}, fail: {'shop.order-reserve': /orderId answered to the same order repeated/}, pass: ['shop.double-pay', 'shop.last-item']},
  {name: 'a shop that checks stock, then reserves', options: {store: new RacyShopStore()}, fail: {'shop.last-item': /of 50 buyers got an order for the last unit: the product was oversold by/}, pass: ['shop.order-reserve']},
  {name: 'a shop that charges again on a repeated pay', options: {service: (o) => new RechargeService(o)}, fail: {'shop.double-pay': /charged twice|must be the first/}, pass: ['shop.pay-notify', 'shop.pay-foreign']},
  {name: "a shop that lets anyone pay anyone's order", options: {service: (o) => new AnyonePaysService(o)}, fail: {'shop.pay-foreign': /expected ret 404 IMH_ERR_ORDER_NOT_FOUND, got HTTP 200/}, pass: ['shop.double-pay']},
  {name: 'a shop whose orders never expire', options: {service: (o) => new NeverExpireService(o)}, fail: {'shop.pay-expired': /expected ret 410 IMH_ERR_ORDER_EXPIRED, got HTTP 200/}, pass: ['shop.pay-cancelled']},
  {name: 'a shop that takes payment for cancelled orders', options: {store: new RevivingStore()}, fail: {'shop.pay-cancelled': /expected ret 409 IMH_ERR_ORDER_STATE, got HTTP 200/}, pass: ['shop.pay-expired']},
  {name: 'a shop that ships unpaid orders', options: {store: new ShipAnythingStore()}, fail: {'shop.states': /the seller ships an unpaid order: expected ret 409 IMH_ERR_ORDER_STATE/}, pass: ['shop.double-pay']},
  {name: 'a shop that never notifies payments', options: {service: silentPayments}, fail: {'shop.pay-notify': /no SYNC_NOTIFY with body \{"category": "payments"\}/}, pass: ['shop.double-pay']},
  {name: 'a shop that takes any body', options: {service: (o) => new LenientShopService(o)}, fail: {'shop.bad-body': /expected ret 400 IMH_ERR_BAD_REQUEST/}, pass: ['shop.pay-foreign']},
]

describe.each(DOUBLES)('shop cases against $name', (spec) => {
  let got: Record<string, Outcome>
  beforeAll(async () => {
    got = await runShopCases(spec.options, [...Object.keys(spec.fail), ...spec.pass])
  })

  it('fails the cases that check the broken requirement, for that reason, and passes the others', () => {
    const expected = Object.fromEntries([...Object.keys(spec.fail).map((id) => [id, 'fail']), ...spec.pass.map((id) => [id, 'pass'])])
    const verdicts = Object.fromEntries(Object.entries(got).map(([id, o]) => [id, o.verdict]))
    expect(verdicts, Object.entries(got).map(([id, o]) => `${id}: ${o.verdict} ${o.message}`).join('\n')).toEqual(expected)
    for (const [id, reason] of Object.entries(spec.fail)) expect(got[id]!.message).toMatch(reason)
  })
})

describe('coverage of the doubles', () => {
  it('every shop case fails against at least one double', () => {
    const covered = new Set(DOUBLES.flatMap((d) => Object.keys(d.fail)))
    expect(ALL.filter((id) => !covered.has(id))).toEqual([])
  })
})

