import type {IncomingMessage} from 'node:http'
import {
  CATALOGUE_SIZE, ImhError, type OrderView, PRODUCT_ID_PATTERN, type PaymentNotice, type ProductView, SHOP_CACHE_CONTROL_CATALOGUE,
  SHOP_CACHE_CONTROL_PRODUCT, SHOP_ROUTES, SHOP_SHORT_ROUTES, parseListing, parseOrderRef, parseOrderRequest, parsePayRequest,
} from '../../src/protocol/index.js'
import {readJsonBody} from '../http/json-server.js'
import {type HttpRoute, jsonRoute} from '../http/route.js'
import type {MediaStore} from '../media/media-store.js'
import type {Store} from '../store/store.js'
import type {ShopStore, StoredOrder, StoredProduct} from './shop-store.js'

/** A cacheable JSON page of the shop group (§17.2): its body, its Cache-Control, and an ETag when not the body's hash. */
export interface ShopPage { body: object; cacheControl: string; etag?: string }

export interface ShopOptions {
  shop: ShopStore
  /** The shared store: the buyers' `payments` inboxes and the notify bus (§17.6). */
  store: Store
  /** Uploads of the media group, which listings refer to by id (§17.3). */
  media: MediaStore
  limits: {shortMaxBodyBytes: number; orderTtlMs: number}
  /** The caller's user id from the bearer token, or the session error of §3.2. */
  authenticate(req: IncomingMessage): Promise<string>
  /** Base URL of the media group; images are `${mediaBase}/media/${mediaId}`. */
  mediaBase: () => string
  /** The shop group's base URL as the entry gives it out: a DNS name, no port (§17.1). */
  shopUrl: () => string
  /** Server time in ms; tests pass a fake clock. */
  clock?: () => number
}

/**
 * Shopping on the short link and the shop group (PROTOCOL.md §17). Each step is a method so that a
 * test double can plant one bug by overriding it; the atomic steps are the store's.
 */
export class ShopService {
  protected readonly now: () => number

  constructor(protected readonly o: ShopOptions) {
    this.now = o.clock ?? Date.now
  }

  /** The short-link routes of §17.1 and §17.3–§17.5. */
  shortRoutes(): HttpRoute[] {
    const R = SHOP_SHORT_ROUTES
    return [
      jsonRoute(R.shopEntry, async () => this.entry()),
      jsonRoute(R.shopList, async (req) => this.list(await this.o.authenticate(req), await this.body(req))),
      jsonRoute(R.shopOrder, async (req) => this.order(await this.o.authenticate(req), await this.body(req))),
      jsonRoute(R.shopOrderGet, async (req, url) => {
        const self = await this.o.authenticate(req)
        return this.getOrder(self, parseOrderRef({orderId: url.searchParams.get('orderId') ?? undefined}, 'shop/order').orderId)
      }),
      jsonRoute(R.shopPay, async (req) => this.pay(await this.o.authenticate(req), await this.body(req))),
      jsonRoute(R.shopCancel, async (req) => this.cancel(await this.o.authenticate(req), parseOrderRef(await this.body(req), 'shop/cancel').orderId)),
      jsonRoute(R.shopShip, async (req) => this.ship(await this.o.authenticate(req), parseOrderRef(await this.body(req), 'shop/ship').orderId)),
    ]
  }

  protected body(req: IncomingMessage): Promise<unknown> {
    return readJsonBody(req, this.o.limits.shortMaxBodyBytes, true)
  }

  protected async entry(): Promise<object> {
    return {url: this.o.shopUrl()}
  }

  protected async list(self: string, body: unknown): Promise<object> {
    const l = parseListing(body)
    if (l.mediaId !== undefined) {
      const object = await this.o.media.get(l.mediaId)
      if (!object || object.owner !== self) throw new ImhError('IMH_ERR_MEDIA_NOT_FOUND', `shop/list: no media "${l.mediaId}" uploaded by you`, {field: 'mediaId'})
    }
    const p = await this.o.shop.addProduct({seller: self, ...l}, this.now())
    return {productId: p.productId, url: this.productUrl(p.productId)}
  }

  protected async order(self: string, body: unknown): Promise<object> {
    const req = parseOrderRequest(body)
    const r = await this.o.shop.placeOrder({buyer: self, ...req}, this.now(), this.orderTtlMs())
    switch (r.status) {
      case 'created': return {order: this.orderView(r.order)}
      case 'sold-out': throw new ImhError('IMH_ERR_SOLD_OUT', `shop/order: fewer than ${req.quantity} units of "${req.productId}" are available`)
      case 'unknown-product': throw new ImhError('IMH_ERR_PRODUCT_NOT_FOUND', `shop/order: no product "${req.productId}"`, {field: 'productId'})
      case 'key-mismatch': throw new ImhError('IMH_ERR_IDEMPOTENCY_MISMATCH', 'shop/order: this idempotencyKey was used for another product or quantity', {field: 'idempotencyKey'})
    }
  }

  /** The TTL new orders get; announced in each order's expiresAt / expiresInMs (§17.4). */
  protected orderTtlMs(): number {
    return this.o.limits.orderTtlMs
  }

  protected async getOrder(self: string, orderId: string): Promise<object> {
    const o = await this.o.shop.getOrder(orderId, this.now())
    if (!o || (o.buyer !== self && o.seller !== self)) throw notFound(orderId)
    return {order: this.orderView(o)}
  }

  protected async pay(self: string, body: unknown): Promise<object> {
    const req = parsePayRequest(body)
    const r = await this.o.shop.pay({buyer: self, ...req}, this.now())
    switch (r.status) {
      case 'paid':
        // Only the charging pay leaves a notice, stored and pushed before the answer (§17.6).
        if (!r.replay) await this.notice(self, {kind: 'paid', orderId: r.payment.orderId, paymentId: r.payment.paymentId, amountCents: r.payment.amountCents, sendTime: r.payment.payTime})
        return {payment: r.payment, order: this.orderView(r.order)}
      case 'not-found': throw notFound(req.orderId)
      case 'expired': throw expired(req.orderId)
      case 'state': throw new ImhError('IMH_ERR_ORDER_STATE', `shop/pay: order "${req.orderId}" is ${r.order.state}${r.order.paymentId ? ' under another idempotencyKey' : ''}`)
      case 'key-mismatch': throw new ImhError('IMH_ERR_IDEMPOTENCY_MISMATCH', 'shop/pay: this idempotencyKey paid another order', {field: 'idempotencyKey'})
    }
  }

  /** Stores the notice in the buyer's `payments` inbox, then notifies (§17.6). */
  protected async notice(buyer: string, n: Omit<PaymentNotice, 'seq'>): Promise<void> {
    await this.o.store.appendEntry(buyer, 'payments', n)
    await this.notify(buyer)
  }

  /** SYNC_NOTIFY {category: "payments"} to the buyer's long link, on whichever node holds it (§6.3). */
  protected async notify(buyer: string): Promise<void> {
    await this.o.store.publish({type: 'notify', userId: buyer, category: 'payments'})
  }

  protected async cancel(self: string, orderId: string): Promise<object> {
    return this.changed(await this.o.shop.cancel(self, orderId, this.now()), orderId, 'cancel')
  }

  protected async ship(self: string, orderId: string): Promise<object> {
    return this.changed(await this.o.shop.ship(self, orderId, this.now()), orderId, 'ship')
  }

  private changed(r: Awaited<ReturnType<ShopStore['cancel']>>, orderId: string, what: string): object {
    if (r.status === 'not-found') throw notFound(orderId)
    if (r.status === 'expired') throw expired(orderId)
    if (r.status === 'state') throw new ImhError('IMH_ERR_ORDER_STATE', `shop/${what}: order "${orderId}" is ${r.order.state}`)
    return {order: this.orderView(r.order)}
  }

  protected orderView(o: StoredOrder): OrderView {
    const view: OrderView = {
      orderId: o.orderId, productId: o.productId, buyer: o.buyer, seller: o.seller, quantity: o.quantity, amountCents: o.amountCents,
      state: o.state, createTime: o.createTime, expiresAt: o.expiresAt,
    }
    if (o.state === 'created') view.expiresInMs = Math.max(0, o.expiresAt - this.now())
    if (o.paymentId !== undefined) view.paymentId = o.paymentId
    return view
  }

  // The shop group (§17.2).

  /** The catalogue page: the newest products, newest first. */
  async cataloguePage(): Promise<ShopPage> {
    const products = await this.o.shop.catalogue(CATALOGUE_SIZE, this.now())
    return {
      body: {products: products.map((p) => ({productId: p.productId, title: p.title, priceCents: p.priceCents, imageUrl: this.imageUrl(p), url: this.productUrl(p.productId)}))},
      cacheControl: SHOP_CACHE_CONTROL_CATALOGUE,
    }
  }

  async productPage(productId: string): Promise<ShopPage> {
    const p = PRODUCT_ID_PATTERN.test(productId) ? await this.o.shop.getProduct(productId, this.now()) : undefined
    if (!p) throw new ImhError('IMH_ERR_PRODUCT_NOT_FOUND', `no product "${productId}"`)
    return {body: {product: this.productView(p)}, cacheControl: SHOP_CACHE_CONTROL_PRODUCT}
  }

  protected productView(p: StoredProduct): ProductView {
    return {productId: p.productId, title: p.title, priceCents: p.priceCents, imageUrl: this.imageUrl(p), seller: p.seller, stock: p.available, createTime: p.createTime}
  }

  protected imageUrl(p: StoredProduct): string {
    return p.mediaId === undefined ? '' : `${this.o.mediaBase()}/media/${p.mediaId}`
  }

  protected productUrl(productId: string): string {
    return `${this.o.shopUrl().replace(/\/+$/, '')}${SHOP_ROUTES.product}${productId}`
  }
}

const notFound = (orderId: string) => new ImhError('IMH_ERR_ORDER_NOT_FOUND', `no order "${orderId}" of yours`, {field: 'orderId'})
const expired = (orderId: string) => new ImhError('IMH_ERR_ORDER_EXPIRED', `order "${orderId}" expired unpaid; its units were released`)
