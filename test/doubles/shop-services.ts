import type {IncomingMessage} from 'node:http'
import {type OrderView, type PaymentView, parsePayRequest} from '../../src/protocol/index.js'
import type {ZoneRecord} from '../../reference-server/shop/dns-server.js'
import {type ShopFlowOptions, type ShopParts, shopParts} from '../../reference-server/shop/flow.js'
import {type ShopOptions, type ShopPage, ShopService} from '../../reference-server/shop/shop-service.js'
import {type ChangeResult, MemoryShopStore, type NewOrder, type NewPayment, type PayResult, type PlaceResult, type ShopStore, type StoredOrder} from '../../reference-server/shop/shop-store.js'

/**
 * Broken shops (PROTOCOL.md §17), each the reference one with one planted bug in its service, its
 * store or its DNS records, planted through the server's `services.shop` hook (`withService`,
 * `withStore`, `withRecords`).
 */

/** A `services.shop` replacement for the reference server. */
export type ShopDouble = (o: ShopFlowOptions) => ShopParts

export const withService = (make: (o: ShopOptions) => ShopService): ShopDouble => (o) => shopParts(o, {service: make})
export const withStore = (store: () => ShopStore): ShopDouble => (o) => shopParts({...o, service: {...o.service, shop: store()}})
export const withRecords = (records: (r: ZoneRecord[]) => ZoneRecord[]): ShopDouble => (o) => shopParts(o, {records})

/** The entry names the shop by an address, so DNS is never asked (§17.1). */
export class AddressEntryService extends ShopService {
  protected override async entry(): Promise<object> {
    return {url: 'http://127.0.0.1'}
  }
}

/** The SRV record points at a port where nothing listens (§17.1). */
export const wrongSrvPort = (records: ZoneRecord[]): ZoneRecord[] =>
  records.map((r) => (r.type === 'SRV' ? {...r, data: {...r.data, port: 9}} : r))

/** The catalogue gets a new ETag on every answer, so revalidation never answers 304 (§17.2). */
export class FreshEtagService extends ShopService {
  private n = 0
  override async cataloguePage(): Promise<ShopPage> {
    return {...(await super.cataloguePage()), etag: `"fresh-${++this.n}"`}
  }
}

/** A product page's ETag ignores its stock: caches keep showing units that are gone (§17.2). */
export class StaleProductEtagService extends ShopService {
  override async productPage(productId: string): Promise<ShopPage> {
    return {...(await super.productPage(productId)), etag: `"product-${productId}"`}
  }
}

/** Forgets idempotency keys of orders: a repeated order reserves again (§17.4). */
export class ForgetfulOrderService extends ShopService {
  private n = 0
  protected override async order(self: string, body: unknown): Promise<object> {
    const b = body as Record<string, unknown>
    return super.order(self, typeof b?.idempotencyKey === 'string' ? {...b, idempotencyKey: `${b.idempotencyKey}#${++this.n}`} : body)
  }
}

/** Checks the stock, awaits, then reserves: concurrent buyers all pass the check (§17.4). */
export class RacyShopStore extends MemoryShopStore {
  override async placeOrder(o: NewOrder, now: number, ttlMs: number): Promise<PlaceResult> {
    const seen = await this.getProduct(o.productId, now)
    // The window between check and act that an atomic step must not have.
    await new Promise((r) => setImmediate(r))
    const p = this.products.get(o.productId)
    if (seen && p && seen.available >= o.quantity && p.available < o.quantity) p.available = o.quantity
    return super.placeOrder(o, now, ttlMs)
  }
}

/** A repeated pay with the same key charges again: a new paymentId each time (§17.5). */
export class RechargeService extends ShopService {
  private readonly charges = new Map<string, number>()
  protected override async pay(self: string, body: unknown): Promise<object> {
    const answer = (await super.pay(self, body)) as {payment: PaymentView; order: OrderView}
    const key = `${self}\n${parsePayRequest(body).idempotencyKey}`
    const n = (this.charges.get(key) ?? 0) + 1
    this.charges.set(key, n)
    return n === 1 ? answer : {...answer, payment: {...answer.payment, paymentId: `${answer.payment.paymentId}-charge${n}`}}
  }
}

/** Anyone may pay any order: the pay is made in the buyer's name (§17.5). */
export class AnyonePaysService extends ShopService {
  protected override async pay(self: string, body: unknown): Promise<object> {
    const order = await this.o.shop.getOrder(parsePayRequest(body).orderId, this.now())
    return super.pay(order?.buyer ?? self, body)
  }
}

/** Announces the configured TTL but holds orders for a day: unpaid orders never expire (§17.4). */
export class NeverExpireService extends ShopService {
  protected override orderTtlMs(): number {
    return 86_400_000
  }
  protected override orderView(o: StoredOrder): OrderView {
    const v = super.orderView(o)
    v.expiresAt = o.createTime + this.o.limits.orderTtlMs
    if (o.state === 'created') v.expiresInMs = Math.max(0, v.expiresAt - this.now())
    return v
  }
}

/** A pay of a cancelled order takes the units again and charges (§17.5). */
export class RevivingStore extends MemoryShopStore {
  override async pay(req: NewPayment, now: number): Promise<PayResult> {
    const o = this.orders.get(req.orderId)
    if (o?.state === 'cancelled') {
      o.state = 'created'
      this.products.get(o.productId)!.available -= o.quantity
    }
    return super.pay(req, now)
  }
}

/** Ships an order in any state (§17.4). */
export class ShipAnythingStore extends MemoryShopStore {
  override async ship(seller: string, orderId: string, now: number): Promise<ChangeResult> {
    const o = this.orders.get(orderId)
    if (o && o.seller === seller && o.state !== 'shipped') o.state = 'paid'
    return super.ship(seller, orderId, now)
  }
}

/** Stores payment notices but never notifies the buyer (§17.6). */
export class SilentPaymentsService extends ShopService {
  protected override async notify(): Promise<void> {}
}

/** Takes any body at face value: fields coerced, none refused (§17.7). */
export class LenientShopService extends ShopService {
  protected override async body(req: IncomingMessage): Promise<unknown> {
    const v = (await super.body(req)) as Record<string, unknown>
    const int = (x: unknown, d: number) => Math.min(Math.max(1, Math.round(Number(x) || d)), 10)
    return {...v, title: String(v.title || 'x'), priceCents: int(v.priceCents, 1), stock: int(v.stock, 1), quantity: int(v.quantity, 1), idempotencyKey: String(v.idempotencyKey ?? 'k').slice(0, 128), orderId: String(v.orderId ?? 'x')}
  }
}
