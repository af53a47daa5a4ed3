import type {IncomingMessage} from 'node:http'
import {ImhError} from '../src/protocol/errors.js'
import {
  CATALOGUE_SIZE, type OrderView, PAYMENTS_CATEGORY, PRODUCT_ID_PATTERN, type PaymentNotice, type ProductView, SHOP_CACHE_CONTROL_CATALOGUE,
  SHOP_CACHE_CONTROL_PRODUCT, SHOP_ROUTES, SHOP_SHORT_ROUTES, parseListing, parseOrderRef, parseOrderRequest, parsePayRequest,
} from '../src/protocol/shop.js'
import {readJsonBody} from './http-util.js'
import type {MediaStore} from './store/media-store.js'
import type {InboxPage, ShopStore, StoredOrder, StoredProduct} from './store/shop-store.js'

/** A short-link route: `handle` answers the fields beside `ret: 0` (PROTOCOL.md §3.2). */
export interface ShopShortRoute {
  method: 'GET' | 'POST'
  path: string
  handle(req: IncomingMessage, url: URL): Promise<object>
}

/** A cacheable JSON page of the shop group (§17.2): its body, its Cache-Control, and an ETag when not the body's hash. */
export interface ShopPage { body: object; cacheControl: string; etag?: string }

/**
 * A SYNC category's inbox as the long link serves it (PROTOCOL.md §6.4–§6.6, §17.6): the generic
 * SYNC code asks it for the epoch, a page and acknowledgements, and puts `entries` under
 * `entriesField` in the reply.
 */
export interface SyncCategoryInbox<T extends {seq: number} = {seq: number}> {
  category: string
  entriesField: string
  epoch(userId: string): Promise<number>
  read(userId: string, afterSeq: number, limit: number): Promise<InboxPage<T>>
  ack(userId: string, seq: number): Promise<void>
}

export interface ShopOptions {
  shop: ShopStore
  /** Uploads of the media group, which listings refer to by id (§17.3). */
  media?: MediaStore
  limits: {shortMaxBodyBytes: number; orderTtlMs: number}
  /** The caller's user id from the bearer token, or the session error of §3.2. */
  authenticate(req: IncomingMessage): Promise<string>
  /** Base URL of the media group; images are `${mediaBase}/media/${mediaId}`. */
  mediaBase: () => string
  /** The shop group's base URL as the entry gives it out: a DNS name, no port (§17.1). */
  shopUrl: () => string
  /** Pushes SYNC_NOTIFY {category: "payments"} to the user's long link, wherever it is (§17.6). */
  notify(userId: string): Promise<void> | void
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
  shortRoutes(): ShopShortRoute[] {
    const R = SHOP_SHORT_ROUTES
    const route = (r: {method: 'GET' | 'POST'; path: string}, handle: ShopShortRoute['handle']): ShopShortRoute => ({method: r.method, path: r.path, handle})
    return [
      route(R.shopEntry, async () => this.entry()),
      route(R.shopList, async (req) => this.list(await this.o.authenticate(req), await this.body(req))),
      route(R.shopOrder, async (req) => this.order(await this.o.authenticate(req), await this.body(req))),
      route(R.shopOrderGet, async (req, url) => {
        const self = await this.o.authenticate(req)
        return this.getOrder(self, parseOrderRef({orderId: url.searchParams.get('orderId') ?? undefined}, 'shop/order').orderId)
      }),
      route(R.shopPay, async (req) => this.pay(await this.o.authenticate(req), await this.body(req))),
      route(R.shopCancel, async (req) => this.cancel(await this.o.authenticate(req), parseOrderRef(await this.body(req), 'shop/cancel').orderId)),
      route(R.shopShip, async (req) => this.ship(await this.o.authenticate(req), parseOrderRef(await this.body(req), 'shop/ship').orderId)),
    ]
  }

  /** The buyer's payments inbox, for the long link's SYNC (§17.6). */
  readonly paymentsInbox: SyncCategoryInbox<PaymentNotice> = {
    category: PAYMENTS_CATEGORY,
    entriesField: 'payments',
    epoch: (userId) => this.o.shop.paymentsEpoch(userId),
    read: (userId, afterSeq, limit) => this.o.shop.readPayments(userId, afterSeq, limit),
    ack: (userId, seq) => this.o.shop.ackPayments(userId, seq),
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
      const object = await this.o.media?.get(l.mediaId)
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
        // Stored with the payment; the notify follows, the answer after it (§17.6).
        if (r.notice) await this.o.notify(self)
        return {payment: r.payment, order: this.orderView(r.order)}
      case 'not-found': throw notFound(req.orderId)
      case 'expired': throw expired(req.orderId)
      case 'state': throw new ImhError('IMH_ERR_ORDER_STATE', `shop/pay: order "${req.orderId}" is ${r.order.state}${r.order.paymentId ? ' under another idempotencyKey' : ''}`)
      case 'key-mismatch': throw new ImhError('IMH_ERR_IDEMPOTENCY_MISMATCH', 'shop/pay: this idempotencyKey paid another order', {field: 'idempotencyKey'})
    }
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
