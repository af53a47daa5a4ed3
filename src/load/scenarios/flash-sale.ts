import {PaymentsFeed, ShopClient} from '../../client/shop-client.js'
import {keepNewest} from '../../common/keep-newest.js'
import {type OrderView, isImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {joinedCounter} from '../metrics/joined-counter.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {bool, integer} from '../profile/fields.js'
import {attempt as attemptRequest, errorCode} from './context.js'
import {LONG_LINK_OPTIONS, reconnectOption, heartbeatOption, startLoadClient, usernameFor} from './load-client.js'
import {whileLinked} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

/** What one worker saw: per product, the stock its page showed before the sale and the units its buyers paid for. */
export interface FlashSaleReport { sales: Array<[productId: string, stock: number, paidUnits: number]> }

/** One worker's tally of the sales: units paid per product, against the stock shown before each sale opened. */
export class FlashSaleLedger {
  private readonly sales = new Map<string, {stock: number; paid: number}>()

  paid(productId: string, stock: number, units: number): void {
    const s = this.sales.get(productId) ?? {stock, paid: 0}
    s.paid += units
    this.sales.set(productId, s)
  }

  report(): FlashSaleReport {
    return {sales: [...this.sales].map(([id, s]) => [id, s.stock, s.paid])}
  }
}

/** Units paid beyond the stock shown, per product, summed: the join over every worker's report. */
export function countOversold(reports: readonly FlashSaleReport[]): number {
  const byProduct = new Map<string, {stock: number; paid: number}>()
  for (const r of reports) {
    for (const [id, stock, paid] of r.sales) {
      const s = byProduct.get(id) ?? {stock, paid: 0}
      s.paid += paid
      byProduct.set(id, s)
    }
  }
  let over = 0
  for (const s of byProduct.values()) over += Math.max(0, s.paid - s.stock)
  return over
}

/**
 * `oversold`, judged from what the clients saw, never from a server counter: the buyers of one
 * sale live in every worker, so only the coordinator can add up what they paid.
 */
export const OVERSOLD = joinedCounter('oversold', 'flash-sale: units paid beyond the stock the product page showed before its sale, over every worker', {
  tally: () => new FlashSaleLedger(),
  report: (ledger) => ledger.report(),
  join: countOversold,
})

/** Sales ride the directory's broadcast to every worker under negative indexes (VU indexes are ≥ 0). */
const saleIndex = (n: number): number => -1 - n
const SELLER = 0
/** Orders a buyer remembers the payments of: a second charge shows within seconds, not a thousand orders later. */
const CHARGES_WINDOW = 1024

/**
 * Flash sale (PROTOCOL.md §17): a seller lists a small stock, a crowd of buyers races for it. Each
 * buyer looks at the product page (cacheable, §17.2), orders one unit (§17.4), pays for it and pays
 * again with the same idempotency key as a client whose answer was lost would (§17.5), and waits
 * for the payment notice over SYNC category payments (§17.6).
 */
export const flashSale = defineScenario({
  kind: 'flash-sale',
  summary: 'shopping (PROTOCOL.md §17): a seller lists a small stock, buyers race to order and pay for it; never oversold, never charged twice.',
  details: [
    'Each VU logs in and finds the shop through its entry and DNS (`--resolver`, or the embedded server\'s own DNS server). VU 0 is the seller: it lists `stock` units, publishes the sale with the stock its product page shows to every worker, revalidates the page (304 while nothing sells) until it shows 0, waits `saleGap` and lists the next. Every other VU buys at each sale: it looks at the product page, orders one unit (`sold_out` when it comes too late), pays, pays again with the same idempotency key when `repeatPay` (a retry after a lost answer), and waits up to `notifyTimeout` for the payment notice over SYNC category `payments`.',
    '`oversold` (units paid beyond the stock shown before the sale, joined over every worker) and `double_charged` (orders a buyer saw a second payment id for, from a repeated pay or a second notice) are judged from what the clients saw. Refusals other than sold out and timeouts count as errors by code. Open models: each iteration is one buyer arriving at the newest sale.',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    stock: option({field: 'stock', check: integer(1, 100_000), default: 5, doc: 'units the seller lists per sale'}),
    saleGapMs: option({field: 'saleGap', check: durationField(), default: 500, doc: 'pause after a sale sells out before the seller lists the next'}),
    repeatPay: option({field: 'repeatPay', check: bool, default: true, doc: 'pay each order a second time with the same idempotency key; a different payment id is a double charge'}),
    notifyTimeoutMs: option({field: 'notifyTimeout', check: durationField({positive: true}), default: 5000, doc: 'how long a buyer waits for the payment notice after paying'}),
    ...LONG_LINK_OPTIONS,
  },
  metrics: [
    trend('order_latency', 'flash-sale: POST /shop/order sent (its intended time in open models) → answer, an order or sold out'),
    trend('pay_latency', 'flash-sale: POST /shop/pay sent → answer (the first pay of an order)'),
    trend('pay_notify', 'flash-sale: POST /shop/pay sent → its payment notice pulled by SYNC category payments'),
    counter('orders', 'flash-sale: orders the shop accepted (units reserved)', {reportZero: true}),
    counter('paid', 'flash-sale: orders paid', {reportZero: true}),
    counter('sold_out', 'flash-sale: orders refused with IMH_ERR_SOLD_OUT', {reportZero: true}),
    counter('double_charged', 'flash-sale: orders for which a buyer saw a second payment id (a repeated pay or a second notice)', {reportZero: true}),
    OVERSOLD,
  ],
  rate: {doc: 'each buyer orders at every sale as soon as it is listed, so there is no rate to set; under an arrival-rate executor the rate is buyers arriving per second'},
  create(ctx) {
    const {recorder, clock} = ctx
    const o = ctx.options
    const ledger = ctx.tallies.of(OVERSOLD)
    const attempt = <T>(request: () => Promise<T>): Promise<T | undefined> => attemptRequest(recorder, request)
    const sale = (n: number): {productId: string; stock: number} | undefined => {
      const v = ctx.directory.lookup(saleIndex(n))
      if (v === undefined) return undefined
      const [productId, stock] = v.split(' ')
      return {productId: productId!, stock: Number(stock)}
    }
    const sleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal).catch(() => undefined)

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(o.heartbeatIntervalMs), reconnect: reconnectOption(o)})
        const client = lc.client
        const shop = new ShopClient(client.short!, {resolver: ctx.urls.resolver, timeoutMs: o.requestTimeoutMs, dispatcher: ctx.addresses.dispatcherFor(index, ctx.urls.scheduler!)})
        const feed = new PaymentsFeed(client)
        const stop = new AbortController()
        try {
          await shop.locate()
        } catch (err) {
          await lc.close()
          throw err
        }
        // Every payment id each order was answered or noticed with: two mean a double charge.
        const charges = new Map<string, Set<string>>()
        const sawPayment = (orderId: string, paymentId: string): void => {
          const ids = charges.get(orderId) ?? new Set<string>()
          const before = ids.size
          ids.add(paymentId)
          charges.set(orderId, ids)
          keepNewest(charges, CHARGES_WINDOW)
          if (before === 1 && ids.size === 2) recorder.add('double_charged')
        }
        client.on('payment', (n) => sawPayment(n.orderId, n.paymentId))

        /** The seller: lists a sale, shows its stock, waits until it sells out, then the next. */
        const sell = async (): Promise<void> => {
          for (let n = 0; !stop.signal.aborted; n++) {
            const listed = await attempt(() => shop.list({title: `imh flash sale ${ctx.runId} #${n}`, priceCents: 100, stock: o.stock}))
            if (!listed) return void (await sleep(1000, stop.signal))
            const shown = (await attempt(() => shop.product(listed.productId)))?.body.product.stock ?? o.stock
            ctx.directory.publish(saleIndex(n), `${listed.productId} ${shown}`)
            // Revalidating the page costs a 304 while nothing sells: the flash-sale crowd's cache path.
            for (let left = shown; left > 0 && !stop.signal.aborted;) {
              await sleep(100, stop.signal)
              left = (await attempt(() => shop.product(listed.productId)))?.body.product.stock ?? left
            }
            await sleep(o.saleGapMs, stop.signal)
          }
        }

        let tries = 0
        /** One buyer's try at a sale: look, order one unit, pay (twice), wait for the notice. Each try has keys of its own. */
        const buy = async (s: {productId: string; stock: number}, intendedMs: number): Promise<void> => {
          const n = tries++
          await attempt(() => shop.product(s.productId))
          let order: OrderView
          try {
            order = (await shop.order(s.productId, 1, `${ctx.runId}.${index}.${n}`)).order
            recorder.trend('order_latency', clock.now() - intendedMs)
          } catch (err) {
            recorder.trend('order_latency', clock.now() - intendedMs)
            if (isImhError(err, 'IMH_ERR_SOLD_OUT')) recorder.add('sold_out')
            else recorder.error(errorCode(err))
            return
          }
          recorder.add('orders')
          const payKey = `${ctx.runId}.${index}.${n}.pay`
          const noticed = feed.noticeOf(order.orderId)
          const t0 = clock.now()
          const paid = await attempt(() => shop.pay(order.orderId, payKey))
          if (!paid) return feed.forget(order.orderId)
          recorder.trend('pay_latency', clock.now() - t0)
          recorder.add('paid')
          ledger.paid(s.productId, s.stock, order.quantity)
          sawPayment(order.orderId, paid.payment.paymentId)
          if (o.repeatPay) {
            const again = await attempt(() => shop.pay(order.orderId, payKey))
            if (again) sawPayment(order.orderId, again.payment.paymentId)
          }
          const timer = new AbortController()
          const waited = await Promise.race([noticed.then(() => true), clock.sleep(o.notifyTimeoutMs, timer.signal).then(() => false, () => false)])
          timer.abort()
          feed.forget(order.orderId)
          if (waited) recorder.trend('pay_notify', clock.now() - t0)
          else recorder.error('IMH_ERR_TIMEOUT')
        }

        const selling = index === SELLER ? sell() : Promise.resolve()
        let next = 0
        const vu: VirtualUser = {
          // Closed models: every sale, as soon as it is listed.
          loop: (signal) => whileLinked(signal, lc.closed, async (alive) => {
            while (alive()) {
              const s = index === SELLER ? undefined : sale(next)
              if (!s) {
                await sleep(20, signal)
                continue
              }
              next++
              await buy(s, clock.now())
            }
          }),
          // Open models: each iteration is one buyer arriving at the newest sale.
          async iterate(intendedMs) {
            while (sale(next + 1)) next++
            const s = sale(next)
            if (s && index !== SELLER) await buy(s, intendedMs)
          },
          async close() {
            stop.abort()
            await selling
            feed.stop()
            await lc.close()
          },
        }
        return vu
      },
    }
  },
})
