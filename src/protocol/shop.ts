import {isIP} from 'node:net'
import {type ErrorCode, ImhError} from './errors.js'
import {type ShortRouteSpec, defineProtocolFlow, defineSyncCategory} from './flow-contract.js'
import {checkShape} from './shape.js'
import {type SyncPageOf, checkSyncPage} from './sync.js'

/**
 * Shopping (PROTOCOL.md §17): the shop group's cacheable catalogue, orders and payment on the
 * short link, payment notices in SYNC category `payments`, and the DNS names that find the shop.
 */

/** Short-link routes of the shop (§17.3–§17.5); all but `entry` need a bearer token. */
export const SHOP_SHORT_ROUTES = {
  shopEntry: {method: 'GET', path: '/shop/entry', auth: false},
  shopList: {method: 'POST', path: '/shop/list', auth: true},
  shopOrder: {method: 'POST', path: '/shop/order', auth: true},
  shopOrderGet: {method: 'GET', path: '/shop/order', auth: true},
  shopPay: {method: 'POST', path: '/shop/pay', auth: true},
  shopCancel: {method: 'POST', path: '/shop/cancel', auth: true},
  shopShip: {method: 'POST', path: '/shop/ship', auth: true},
} as const satisfies Record<string, ShortRouteSpec>
export type ShopShortRoute = keyof typeof SHOP_SHORT_ROUTES

/** Shop group routes (§17.2), appended to the group's base URL; GET and HEAD, no token. */
export const SHOP_ROUTES = {
  catalogue: '/catalogue',
  /** Prefix of a product page: `/products/<productId>`. */
  product: '/products/',
} as const

/** The SRV service label that gives the shop's port (§17.1): `_imh-shop._tcp.NAME`. */
export const SHOP_SRV_LABEL = '_imh-shop._tcp'
/** The reference server's zone and shop name (§17.1); `.test` never leaks to real DNS (RFC 6761). */
export const SHOP_DNS_ZONE = 'imh.test'
export const SHOP_DEFAULT_NAME = `shop.${SHOP_DNS_ZONE}`

/** What the reference shop sends (§17.2); the rules a server must keep are `catalogueCacheOk` / `productCacheOk`. */
export const SHOP_CACHE_CONTROL_CATALOGUE = 'public, max-age=10'
export const SHOP_CACHE_CONTROL_PRODUCT = 'public, no-cache'
/** The longest `max-age` a catalogue may allow (§17.2). */
export const MAX_CATALOGUE_MAX_AGE = 60


export const MAX_TITLE_LENGTH = 200
export const MAX_PRICE_CENTS = 1_000_000_000
export const MAX_STOCK = 1_000_000
export const MAX_ORDER_QUANTITY = 10
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128
/** Products the catalogue lists at most, newest first (§17.2). */
export const CATALOGUE_SIZE = 100
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export const ORDER_STATES = ['created', 'paid', 'shipped', 'cancelled', 'expired'] as const
export type OrderState = (typeof ORDER_STATES)[number]

export interface ProductSummary { productId: string; title: string; priceCents: number; imageUrl: string; url: string }
export interface ProductView { productId: string; title: string; priceCents: number; imageUrl: string; seller: string; stock: number; createTime: number }
export interface OrderView {
  orderId: string
  productId: string
  buyer: string
  seller: string
  quantity: number
  amountCents: number
  state: OrderState
  createTime: number
  expiresAt: number
  /** While `created`: ms from the answer to `expiresAt`. */
  expiresInMs?: number
  paymentId?: string
}
export interface PaymentView { paymentId: string; orderId: string; amountCents: number; payTime: number }
/** One entry of a buyer's `payments` inbox (§17.6). */
export interface PaymentNotice { seq: number; kind: string; orderId: string; paymentId: string; amountCents: number; sendTime: number }

export interface ListingRequest { title: string; priceCents: number; stock: number; mediaId?: string }
export interface OrderRequest { productId: string; quantity: number; idempotencyKey: string }
export interface PayRequest { orderId: string; idempotencyKey: string }
export interface OrderRefRequest { orderId: string }

export interface EntryReply { ret: 0; url: string }
export interface ListingReply { ret: 0; productId: string; url: string }
export interface OrderReply { ret: 0; order: OrderView }
export interface PayReply { ret: 0; payment: PaymentView; order: OrderView }
export interface CatalogueReply { ret: 0; products: ProductSummary[] }
export interface ProductReply { ret: 0; product: ProductView }

// Requests are checked by the server: short-link bad requests name the field (§3.7, §17.7).
const BAD = 'IMH_ERR_BAD_REQUEST'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

function bad(what: string, field: string, rule: string): ImhError {
  return new ImhError(BAD, `${what}: field "${field}" ${rule}`, {field})
}

function intIn(v: number, min: number, max: number, what: string, field: string): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) throw bad(what, field, `must be an integer from ${min} to ${max}`)
}

function lengthIn(v: string, max: number, what: string, field: string): void {
  if (v.length === 0 || v.length > max) throw bad(what, field, `must be 1 to ${max} characters`)
}

export function parseListing(v: unknown): ListingRequest {
  const what = 'shop/list'
  const r = checkShape<ListingRequest>(v, {title: 'string', priceCents: 'number', stock: 'number', mediaId: 'string?'}, BAD, what)
  lengthIn(r.title, MAX_TITLE_LENGTH, what, 'title')
  intIn(r.priceCents, 1, MAX_PRICE_CENTS, what, 'priceCents')
  intIn(r.stock, 1, MAX_STOCK, what, 'stock')
  if (r.mediaId !== undefined && r.mediaId.length === 0) throw bad(what, 'mediaId', 'must not be empty when given')
  return r.mediaId === undefined ? {title: r.title, priceCents: r.priceCents, stock: r.stock} : {title: r.title, priceCents: r.priceCents, stock: r.stock, mediaId: r.mediaId}
}

export function parseOrderRequest(v: unknown): OrderRequest {
  const what = 'shop/order'
  const r = checkShape<OrderRequest>(v, {productId: 'string', quantity: 'number', idempotencyKey: 'string'}, BAD, what)
  lengthIn(r.productId, 64, what, 'productId')
  intIn(r.quantity, 1, MAX_ORDER_QUANTITY, what, 'quantity')
  lengthIn(r.idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, what, 'idempotencyKey')
  return {productId: r.productId, quantity: r.quantity, idempotencyKey: r.idempotencyKey}
}

export function parsePayRequest(v: unknown): PayRequest {
  const what = 'shop/pay'
  const r = checkShape<PayRequest>(v, {orderId: 'string', idempotencyKey: 'string'}, BAD, what)
  lengthIn(r.orderId, MAX_IDEMPOTENCY_KEY_LENGTH, what, 'orderId')
  lengthIn(r.idempotencyKey, MAX_IDEMPOTENCY_KEY_LENGTH, what, 'idempotencyKey')
  return {orderId: r.orderId, idempotencyKey: r.idempotencyKey}
}

/** `{orderId}` of cancel and ship, or `?orderId=` of GET /shop/order. */
export function parseOrderRef(v: unknown, what: string): OrderRefRequest {
  const r = checkShape<OrderRefRequest>(v, {orderId: 'string'}, BAD, what)
  lengthIn(r.orderId, MAX_IDEMPOTENCY_KEY_LENGTH, what, 'orderId')
  return {orderId: r.orderId}
}

// Replies are checked by the client.
const off = (what: string, field: string, rule: string) => new ImhError(OFF, `${what}: field "${field}" ${rule}`, {field})

/**
 * The entry's `url` (§17.1): http(s), a host name that is not an IP literal, no port. Returns the
 * URL; `code` lets the conformance suite and clients report it their own way.
 */
export function checkShopUrl(value: string, code: ErrorCode = OFF, what = 'shop/entry reply'): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ImhError(code, `${what}: field "url" is "${value}", not an absolute URL`, {field: 'url'})
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ImhError(code, `${what}: field "url" must be an http or https URL, got "${value}"`, {field: 'url'})
  if (host === '' || isIP(host) !== 0) throw new ImhError(code, `${what}: field "url" must name the shop by a DNS host name, not an address ("${value}")`, {field: 'url'})
  if (url.port !== '') throw new ImhError(code, `${what}: field "url" must not carry a port (DNS gives it, §17.1): "${value}"`, {field: 'url'})
  return url
}

export function parseEntryReply(v: unknown): EntryReply {
  const r = checkShape<EntryReply>(v, {ret: 'int', url: 'string'}, OFF, 'shop/entry reply')
  checkShopUrl(r.url)
  return r
}

export function checkOrderView(v: unknown, what = 'order'): OrderView {
  const o = checkShape<OrderView>(v, {
    orderId: 'string', productId: 'string', buyer: 'string', seller: 'string', quantity: 'uint', amountCents: 'uint', state: 'string',
    createTime: 'number', expiresAt: 'number', expiresInMs: 'uint?', paymentId: 'string?',
  }, OFF, what)
  if (!(ORDER_STATES as readonly string[]).includes(o.state)) throw off(what, 'state', `must be one of ${ORDER_STATES.join(', ')}, got "${o.state}"`)
  return o
}

export function checkPaymentView(v: unknown, what = 'payment'): PaymentView {
  return checkShape<PaymentView>(v, {paymentId: 'string', orderId: 'string', amountCents: 'uint', payTime: 'number'}, OFF, what)
}

export function checkProductView(v: unknown, what = 'product'): ProductView {
  return checkShape<ProductView>(v, {productId: 'string', title: 'string', priceCents: 'uint', imageUrl: 'string', seller: 'string', stock: 'uint', createTime: 'number'}, OFF, what)
}

export const parseListingReply = (v: unknown) => checkShape<ListingReply>(v, {ret: 'int', productId: 'string', url: 'string'}, OFF, 'shop/list reply')

export function parseOrderReply(v: unknown): OrderReply {
  const r = checkShape<OrderReply>(v, {ret: 'int', order: 'object'}, OFF, 'shop/order reply')
  checkOrderView(r.order)
  return r
}

export function parsePayReply(v: unknown): PayReply {
  const r = checkShape<PayReply>(v, {ret: 'int', payment: 'object', order: 'object'}, OFF, 'shop/pay reply')
  checkPaymentView(r.payment)
  checkOrderView(r.order)
  return r
}

export function parseCatalogueReply(v: unknown): CatalogueReply {
  const r = checkShape<CatalogueReply>(v, {ret: 'int', products: 'array'}, OFF, 'catalogue')
  for (const p of r.products) checkShape(p, {productId: 'string', title: 'string', priceCents: 'uint', imageUrl: 'string', url: 'string'}, OFF, 'catalogue product')
  return r
}

export function parseProductReply(v: unknown): ProductReply {
  const r = checkShape<ProductReply>(v, {ret: 'int', product: 'object'}, OFF, 'product page')
  checkProductView(r.product)
  return r
}

export function checkPaymentNotice(v: unknown, what = 'SYNC reply payment'): PaymentNotice {
  return checkShape<PaymentNotice>(v, {seq: 'uint', kind: 'string', orderId: 'string', paymentId: 'string', amountCents: 'uint', sendTime: 'number'}, OFF, what)
}

/** The `payments` inbox (§17.6): one notice per payment, emitted by a client as 'payment'. */
export const PAYMENTS_SYNC_CATEGORY = defineSyncCategory({
  name: 'payments', itemsField: 'payments', item: (v) => checkPaymentNotice(v), itemEvent: 'payment', notifyEvent: 'payments-notify', section: '17.6',
})

/** The SYNC reply of category `payments` (§17.6): `payments` in place of `messages`. */
export type PaymentsSyncReply = SyncPageOf<'payments', PaymentNotice>

export const parsePaymentsSyncReply = (v: unknown): PaymentsSyncReply => checkSyncPage(v, PAYMENTS_SYNC_CATEGORY)

/** Cache-Control directives, lower case: `max-age=10` → ['max-age', '10']. */
export function cacheDirectives(header: string | undefined): Map<string, string | true> {
  const out = new Map<string, string | true>()
  for (const part of (header ?? '').split(',')) {
    const [name, value] = part.trim().toLowerCase().split('=', 2) as [string, string | undefined]
    if (name) out.set(name, value === undefined ? true : value.replace(/^"|"$/g, ''))
  }
  return out
}

/** The catalogue's rule (§17.2): `public` with a `max-age` of at most 60 s. */
export function catalogueCacheOk(header: string | undefined): boolean {
  const d = cacheDirectives(header)
  const maxAge = d.get('max-age')
  return d.has('public') && typeof maxAge === 'string' && /^\d+$/.test(maxAge) && Number(maxAge) <= MAX_CATALOGUE_MAX_AGE && !d.has('no-store')
}

/** A product page's rule (§17.2): a cache must revalidate before every use. */
export function productCacheOk(header: string | undefined): boolean {
  const d = cacheDirectives(header)
  return !d.has('no-store') && (d.has('no-cache') || d.get('max-age') === '0')
}

/**
 * Shopping (§17): routes on the short link, a SYNC category of its own, and the shop group, which
 * the scheduler never lists (clients find it by DNS, §17.1), so it declares no scheduler group.
 * IMH_ERR_NAME_UNRESOLVED (ret 0) is the harness's, not the flow's.
 */
export const shopFlow = defineProtocolFlow({
  name: 'shop',
  title: 'Shopping',
  sections: ['17'],
  groups: [],
  shortRoutes: SHOP_SHORT_ROUTES,
  commands: [],
  errors: ['IMH_ERR_PRODUCT_NOT_FOUND', 'IMH_ERR_SOLD_OUT', 'IMH_ERR_ORDER_NOT_FOUND', 'IMH_ERR_ORDER_STATE', 'IMH_ERR_ORDER_EXPIRED', 'IMH_ERR_IDEMPOTENCY_MISMATCH'],
  syncCategories: [PAYMENTS_SYNC_CATEGORY],
  limits: [],
})
