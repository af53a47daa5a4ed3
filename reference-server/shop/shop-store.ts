import type {OrderView} from '../../src/protocol/index.js'

/** A listed product as stored; `available` is what orders do not hold now (PROTOCOL.md §17.2). */
export interface StoredProduct {
  productId: string
  seller: string
  title: string
  priceCents: number
  mediaId?: string
  /** Units it was listed with. */
  stock: number
  available: number
  createTime: number
}

/** An order as stored: its view (§17.4) without the countdown, which is computed per answer. */
export type StoredOrder = Omit<OrderView, 'expiresInMs'>

export interface StoredPayment { paymentId: string; orderId: string; amountCents: number; payTime: number }

export interface NewListing { seller: string; title: string; priceCents: number; stock: number; mediaId?: string }
export interface NewOrder { buyer: string; productId: string; quantity: number; idempotencyKey: string }
export interface NewPayment { buyer: string; orderId: string; idempotencyKey: string }

/** What one atomic order step did (§17.4). `replay`: the key had been used; nothing was reserved. */
export type PlaceResult =
  | {status: 'created'; order: StoredOrder; replay: boolean}
  | {status: 'sold-out' | 'unknown-product' | 'key-mismatch'}

/** What one atomic pay step did (§17.5). `replay`: the key had paid this order before; nothing was charged. */
export type PayResult =
  | {status: 'paid'; payment: StoredPayment; order: StoredOrder; replay: boolean}
  | {status: 'state'; order: StoredOrder}
  | {status: 'not-found' | 'expired' | 'key-mismatch'}

export type ChangeResult = {status: 'ok' | 'state'; order: StoredOrder} | {status: 'not-found'} | {status: 'expired'}

/**
 * State of the shop (PROTOCOL.md §17). Async so that a shared store (Redis, with one script per
 * step) can stand in; each step that checks and changes state is one atomic method, so that
 * "never oversell" and "charge exactly once" hold however requests interleave. Every method takes
 * `now` and first expires the orders due by then (§17.4), so no answer after `expiresAt` counts
 * an expired order's units as held. The buyers' payment notices live in the shared store's
 * `payments` inboxes (§17.6), beside chat and moments.
 */
export interface ShopStore {
  addProduct(listing: NewListing, now: number): Promise<StoredProduct>
  getProduct(productId: string, now: number): Promise<StoredProduct | undefined>
  /** The newest `limit` products, newest first. */
  catalogue(limit: number, now: number): Promise<StoredProduct[]>
  /** Checks the key, checks the units available and reserves them, as one step. */
  placeOrder(order: NewOrder, now: number, ttlMs: number): Promise<PlaceResult>
  getOrder(orderId: string, now: number): Promise<StoredOrder | undefined>
  /** Checks the key and the order, records the payment and the buyer's notice, as one step. */
  pay(payment: NewPayment, now: number): Promise<PayResult>
  /** created → cancelled by the buyer, releasing the units. */
  cancel(buyer: string, orderId: string, now: number): Promise<ChangeResult>
  /** paid → shipped by the seller. */
  ship(seller: string, orderId: string, now: number): Promise<ChangeResult>
  /** Expires every created order whose `expiresAt` is ≤ now, releasing units; returns how many. */
  expireDue(now: number): Promise<number>
}

/** How long the memory store keeps a settled order by default: a day (PROTOCOL.md §17.4). */
export const DEFAULT_ORDER_RETENTION_MS = 86_400_000

export interface MemoryShopStoreOptions {
  /**
   * How long an order is kept once it left `created` (paid, cancelled or expired), with its
   * payment and both idempotency keys; then it is forgotten (§17.4). Keeps memory bounded by the
   * order rate, not the run time.
   */
  retentionMs?: number
}

/**
 * The embedded shop store: one process, nothing persisted. Every method runs to its end without
 * an await, so each is atomic against every other request of the process. Its state is
 * protected, not private, so that a test double can break one step.
 */
export class MemoryShopStore implements ShopStore {
  protected readonly products = new Map<string, StoredProduct>()
  protected readonly newest: StoredProduct[] = []
  protected readonly orders = new Map<string, StoredOrder>()
  protected readonly payments = new Map<string, StoredPayment>()
  /** `buyer \n key` → orderId / paymentId (§17.4, §17.5); each key lives exactly as long as its order. */
  protected readonly orderKeys = new Map<string, {orderId: string; productId: string; quantity: number}>()
  protected readonly payKeys = new Map<string, string>()
  /** The keys that name each order (its order key, and its pay key once paid), dropped with it. */
  protected readonly keysOf = new Map<string, {order: string; pay?: string}>()
  /** Created orders by expiresAt, ascending. */
  protected readonly expiring: StoredOrder[] = []
  /** Orders that left `created`, in the order they did, with when. */
  protected readonly settled: Array<{orderId: string; at: number}> = []
  protected next = {product: 1, order: 1, payment: 1}
  protected readonly retentionMs: number

  constructor(o: MemoryShopStoreOptions = {}) {
    this.retentionMs = o.retentionMs ?? DEFAULT_ORDER_RETENTION_MS
  }

  async addProduct(l: NewListing, now: number): Promise<StoredProduct> {
    const p: StoredProduct = {productId: `p${this.next.product++}`, seller: l.seller, title: l.title, priceCents: l.priceCents, stock: l.stock, available: l.stock, createTime: now}
    if (l.mediaId !== undefined) p.mediaId = l.mediaId
    this.products.set(p.productId, p)
    this.newest.push(p)
    return {...p}
  }

  async getProduct(productId: string, now: number): Promise<StoredProduct | undefined> {
    this.sweep(now)
    const p = this.products.get(productId)
    return p && {...p}
  }

  async catalogue(limit: number, now: number): Promise<StoredProduct[]> {
    this.sweep(now)
    return this.newest.slice(-limit).reverse().map((p) => ({...p}))
  }

  async placeOrder(o: NewOrder, now: number, ttlMs: number): Promise<PlaceResult> {
    this.sweep(now)
    const key = `${o.buyer}\n${o.idempotencyKey}`
    const seen = this.orderKeys.get(key)
    if (seen) {
      if (seen.productId !== o.productId || seen.quantity !== o.quantity) return {status: 'key-mismatch'}
      return {status: 'created', order: {...this.orders.get(seen.orderId)!}, replay: true}
    }
    const p = this.products.get(o.productId)
    if (!p) return {status: 'unknown-product'}
    // Check and reserve with no await between them: the step is atomic.
    if (p.available < o.quantity) return {status: 'sold-out'}
    p.available -= o.quantity
    const order: StoredOrder = {
      orderId: `o${this.next.order++}`, productId: p.productId, buyer: o.buyer, seller: p.seller, quantity: o.quantity,
      amountCents: p.priceCents * o.quantity, state: 'created', createTime: now, expiresAt: now + ttlMs,
    }
    this.orders.set(order.orderId, order)
    this.orderKeys.set(key, {orderId: order.orderId, productId: o.productId, quantity: o.quantity})
    this.keysOf.set(order.orderId, {order: key})
    this.insertExpiring(order)
    return {status: 'created', order: {...order}, replay: false}
  }

  async getOrder(orderId: string, now: number): Promise<StoredOrder | undefined> {
    this.sweep(now)
    const o = this.orders.get(orderId)
    return o && {...o}
  }

  async pay(req: NewPayment, now: number): Promise<PayResult> {
    this.sweep(now)
    const key = `${req.buyer}\n${req.idempotencyKey}`
    const order = this.orders.get(req.orderId)
    const firstId = this.payKeys.get(key)
    if (firstId !== undefined) {
      const first = this.payments.get(firstId)!
      if (first.orderId !== req.orderId) return {status: 'key-mismatch'}
      return {status: 'paid', payment: {...first}, order: {...order!}, replay: true}
    }
    if (!order || order.buyer !== req.buyer) return {status: 'not-found'}
    if (order.state === 'expired') return {status: 'expired'}
    if (order.state !== 'created') return {status: 'state', order: {...order}}
    const payment: StoredPayment = {paymentId: `pay${this.next.payment++}`, orderId: order.orderId, amountCents: order.amountCents, payTime: now}
    this.payments.set(payment.paymentId, payment)
    this.payKeys.set(key, payment.paymentId)
    this.keysOf.get(order.orderId)!.pay = key
    order.state = 'paid'
    order.paymentId = payment.paymentId
    this.settle(order, now)
    return {status: 'paid', payment: {...payment}, order: {...order}, replay: false}
  }

  async cancel(buyer: string, orderId: string, now: number): Promise<ChangeResult> {
    this.sweep(now)
    const order = this.orders.get(orderId)
    if (!order || order.buyer !== buyer) return {status: 'not-found'}
    if (order.state === 'expired') return {status: 'expired'}
    if (order.state === 'created') this.release(order, 'cancelled', now)
    return {status: order.state === 'cancelled' ? 'ok' : 'state', order: {...order}}
  }

  async ship(seller: string, orderId: string, now: number): Promise<ChangeResult> {
    this.sweep(now)
    const order = this.orders.get(orderId)
    if (!order || order.seller !== seller) return {status: 'not-found'}
    if (order.state === 'paid') order.state = 'shipped'
    return {status: order.state === 'shipped' ? 'ok' : 'state', order: {...order}}
  }

  async expireDue(now: number): Promise<number> {
    return this.sweep(now)
  }

  /** Orders and idempotency keys held now: what the retention bounds. */
  get size(): {orders: number; keys: number} {
    return {orders: this.orders.size, keys: this.orderKeys.size + this.payKeys.size}
  }

  protected release(order: StoredOrder, to: 'cancelled' | 'expired', at: number): void {
    order.state = to
    const p = this.products.get(order.productId)
    if (p) p.available += order.quantity
    this.settle(order, at)
  }

  /** The order left `created` at `at`: it is forgotten `retentionMs` later. */
  protected settle(order: StoredOrder, at: number): void {
    this.settled.push({orderId: order.orderId, at})
  }

  /** Expires the orders due by `now` (returns how many), then forgets those settled long enough ago. */
  protected sweep(now: number): number {
    let n = 0
    while (this.expiring.length > 0 && this.expiring[0]!.expiresAt <= now) {
      const order = this.expiring.shift()!
      if (order.state !== 'created') continue
      this.release(order, 'expired', order.expiresAt)
      n++
    }
    while (this.settled.length > 0 && this.settled[0]!.at + this.retentionMs <= now) this.forget(this.settled.shift()!.orderId)
    return n
  }

  /** Drops an order with its payment and its keys: a key lives exactly as long as its order (§17.4). */
  protected forget(orderId: string): void {
    const order = this.orders.get(orderId)
    if (!order) return
    this.orders.delete(orderId)
    const keys = this.keysOf.get(orderId)
    if (keys) this.orderKeys.delete(keys.order)
    if (keys?.pay !== undefined) this.payKeys.delete(keys.pay)
    this.keysOf.delete(orderId)
    if (order.paymentId !== undefined) this.payments.delete(order.paymentId)
  }

  protected insertExpiring(order: StoredOrder): void {
    // Orders are nearly always created in expiry order: search from the end.
    let i = this.expiring.length
    while (i > 0 && this.expiring[i - 1]!.expiresAt > order.expiresAt) i--
    this.expiring.splice(i, 0, order)
  }
}
