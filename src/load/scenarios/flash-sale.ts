import {PaymentsFeed, ShopClient} from '../../client/shop-client.js'
import {ImhError, isImhError} from '../../protocol/errors.js'
import type {OrderView} from '../../protocol/shop.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import type {MetricDefinition} from '../metrics/catalogue.js'
import {type LoadUrls, type ScenarioContext, errorCode} from './context.js'
import {heartbeatOption, whileLinked} from './heartbeat.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

/**
 * Flash sale (PROTOCOL.md §17): a seller lists a small stock, a crowd of buyers races for it. Each
 * buyer looks at the product page (cacheable, §17.2), orders one unit (§17.4), pays for it and pays
 * again with the same idempotency key as a client whose answer was lost would (§17.5), and waits
 * for the payment notice over SYNC category payments (§17.6). When a sale sells out the seller lists
 * the next. Oversold units and double charges are judged from what the clients saw, never from a
 * server counter: every paid unit is booked against the stock the product page showed before the
 * sale opened (joined over workers by `countOversold`), and every order whose retried pay or
 * notices carried a second paymentId counts as double charged.
 */

/** The scenario's options, declared once: YAML name, default, range, unit, doc. */
export const FLASH_SALE_OPTIONS = {
  stock: {default: 5, min: 1, max: 100_000, unit: 'count', doc: 'units the seller lists per sale'},
  saleGap: {default: 500, min: 0, max: 600_000, unit: 'ms', doc: 'pause after a sale sells out before the seller lists the next'},
  repeatPay: {default: true, unit: 'boolean', doc: 'pay each order a second time with the same idempotency key (a retry after a lost answer); a different payment id is a double charge'},
  notifyTimeout: {default: 5000, min: 100, max: 60_000, unit: 'ms', doc: 'how long a buyer waits for the payment notice after paying'},
} as const

export type FlashSaleOptions = {[K in keyof typeof FLASH_SALE_OPTIONS]: (typeof FLASH_SALE_OPTIONS)[K]['default'] extends boolean ? boolean : number}

/** The metrics the scenario emits (names typed once). */
export const FLASH_SALE_METRICS = [
  {name: 'order_latency', kind: 'trend', unit: 'ms', description: 'flash-sale: POST /shop/order sent (its intended time in open models) → answer, an order or sold out'},
  {name: 'pay_latency', kind: 'trend', unit: 'ms', description: 'flash-sale: POST /shop/pay sent → answer (the first pay of an order)'},
  {name: 'pay_notify', kind: 'trend', unit: 'ms', description: 'flash-sale: POST /shop/pay sent → its payment notice pulled by SYNC category payments'},
  {name: 'orders', kind: 'counter', unit: 'count', description: 'flash-sale: orders the shop accepted (units reserved)'},
  {name: 'paid', kind: 'counter', unit: 'count', description: 'flash-sale: orders paid'},
  {name: 'sold_out', kind: 'counter', unit: 'count', description: 'flash-sale: orders refused with IMH_ERR_SOLD_OUT'},
  {name: 'oversold', kind: 'counter', unit: 'count', description: 'flash-sale: units paid beyond the stock the product page showed before its sale, over every worker'},
  {name: 'double_charged', kind: 'counter', unit: 'count', description: 'flash-sale: orders for which a buyer saw a second payment id (a retried pay or a second notice)'},
] as const satisfies readonly MetricDefinition[]

/** Fills defaults and checks ranges, naming the option. */
export function flashSaleOptions(raw: Partial<Record<keyof FlashSaleOptions, unknown>> = {}): FlashSaleOptions {
  const out: Record<string, number | boolean> = {}
  for (const [name, spec] of Object.entries(FLASH_SALE_OPTIONS) as [keyof FlashSaleOptions, (typeof FLASH_SALE_OPTIONS)[keyof FlashSaleOptions]][]) {
    const v = raw[name] ?? spec.default
    if ('min' in spec ? !(Number.isInteger(v) && (v as number) >= spec.min && (v as number) <= spec.max) : typeof v !== 'boolean') {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `flash-sale option ${name} must be ${'min' in spec ? `an integer from ${spec.min} to ${spec.max}${spec.unit === 'ms' ? ' (ms)' : ''}` : 'true or false'}, got ${JSON.stringify(v)}`, {option: name})
    }
    out[name] = v as number | boolean
  }
  return out as FlashSaleOptions
}

/** What one worker saw: per product, the stock shown before its sale and the units its buyers paid for. */
export interface FlashSaleReport { sales: Array<[productId: string, stock: number, paidUnits: number]> }

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

/** Sales ride the directory's broadcast to every worker under negative indexes (VU indexes are ≥ 0). */
const saleIndex = (n: number): number => -1 - n
const SELLER = 0

/** The DNS server the shop's name is asked of (`imh load --resolver`), else the system's (§17.1). */
function resolverOf(urls: LoadUrls): string | undefined {
  return (urls as LoadUrls & {resolver?: string}).resolver
}

export function flashSaleFactory(ctx: ScenarioContext): VuFactory & {report(): FlashSaleReport} {
  const {recorder, clock} = ctx
  const o = flashSaleOptions(ctx.spec.options as Partial<Record<keyof FlashSaleOptions, unknown>>)
  const timeoutMs = ctx.spec.options.requestTimeoutMs ?? 10_000
  const ledger = new FlashSaleLedger()
  const sale = (n: number): {productId: string; stock: number} | undefined => {
    const v = ctx.directory.lookup(saleIndex(n))
    if (v === undefined) return undefined
    const [productId, stock] = v.split(' ')
    return {productId: productId!, stock: Number(stock)}
  }
  const sleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal).catch(() => undefined)

  return {
    report: () => ledger.report(),
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
      const shop = new ShopClient(lc.client.short!, {resolver: resolverOf(ctx.urls), timeoutMs})
      const feed = new PaymentsFeed(lc.client.link!)
      const stop = new AbortController()
      for (const m of FLASH_SALE_METRICS) if (m.kind === 'counter' && m.name !== 'oversold') recorder.add(m.name, 0)
      await shop.locate()
      const charges = new Map<string, Set<string>>()
      const counted = new Set<string>()
      const noticed = new Map<string, () => void>()
      const sawPayment = (orderId: string, paymentId: string): void => {
        const ids = charges.get(orderId) ?? new Set<string>()
        ids.add(paymentId)
        charges.set(orderId, ids)
        if (ids.size > 1 && !counted.has(orderId)) {
          counted.add(orderId)
          recorder.add('double_charged')
        }
      }
      feed.on('payment', (n) => {
        sawPayment(n.orderId, n.paymentId)
        noticed.get(n.orderId)?.()
      })
      feed.on('error', (err) => recorder.error(errorCode(err)))
      const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await fn()
        } catch (err) {
          recorder.error(errorCode(err))
          return undefined
        }
      }

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
          await sleep(o.saleGap, stop.signal)
        }
      }

      /** One buyer's try at sale `n`: look, order one unit, pay (twice), wait for the notice. */
      const buy = async (n: number, s: {productId: string; stock: number}, intendedMs: number): Promise<void> => {
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
        const notified = new Promise<void>((resolve) => noticed.set(order.orderId, resolve))
        const t0 = clock.now()
        const paid = await attempt(() => shop.pay(order.orderId, payKey))
        if (!paid) return void noticed.delete(order.orderId)
        recorder.trend('pay_latency', clock.now() - t0)
        recorder.add('paid')
        ledger.paid(s.productId, s.stock, order.quantity)
        sawPayment(order.orderId, paid.payment.paymentId)
        if (o.repeatPay) {
          const again = await attempt(() => shop.pay(order.orderId, payKey))
          if (again) sawPayment(order.orderId, again.payment.paymentId)
        }
        const timer = new AbortController()
        const waited = await Promise.race([notified.then(() => true), clock.sleep(o.notifyTimeout, timer.signal).then(() => false, () => false)])
        timer.abort()
        noticed.delete(order.orderId)
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
            await buy(next++, s, clock.now())
          }
        }),
        // Open models: each iteration is one buyer arriving at the newest sale.
        async iterate(intendedMs) {
          while (sale(next + 1)) next++
          const s = sale(next)
          if (s && index !== SELLER) await buy(next, s, intendedMs)
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
}

/**
 * The flash-sale scenario as one declaration (flow `shop`): what a load registry needs to parse
 * it, run it, list its metrics and join what its workers saw.
 */
export const flashSaleScenario = {
  kind: 'flash-sale',
  flow: 'shop',
  section: '17',
  description: 'a burst of buyers racing for a small stock: order, pay exactly once, payment notice',
  needsScheduler: true,
  rate: 'open models: buyers arriving per second, each one ordering and paying one unit of the newest sale',
  options: FLASH_SALE_OPTIONS,
  metrics: FLASH_SALE_METRICS,
  factory: flashSaleFactory,
  /** Per worker `factory(ctx).report()`; the coordinator sets `oversold` to this over all of them. */
  join: (reports: readonly FlashSaleReport[]) => ({oversold: countOversold(reports)}),
} as const
