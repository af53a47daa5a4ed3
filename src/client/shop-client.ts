import type {Dispatcher} from 'undici'
import {keepNewest} from '../common/keep-newest.js'
import {
  type CatalogueReply, type EntryReply, type ListingReply, type OrderReply, PAYMENTS_SYNC_CATEGORY, type PayReply, type PaymentNotice,
  type ProductReply, SHOP_ROUTES, SHOP_SRV_LABEL, checkShopUrl, parseCatalogueReply, parseEntryReply, parseListingReply, parseOrderReply,
  parsePayReply, parseProductReply,
} from '../protocol/index.js'
import {type NameResolverOptions, type ResolvedService, resolveServiceUrl} from './dns-resolver.js'
import {type RawResponse, envelopeBody, rawRequest} from './http-json.js'
import {groupUrl} from './group-url.js'
import type {ShortClient} from './short-client.js'
import type {TraceSink} from './trace.js'
import type {VirtualClient} from './virtual-client.js'

/** Product and catalogue pages held for revalidation: the newest ones, as a browser's cache is bounded. */
const PAGE_CACHE_SIZE = 64

export interface ShopClientOptions extends NameResolverOptions {
  /** For the shop group's requests (the short link's are the ShortClient's). */
  dispatcher?: Dispatcher
  timeoutMs?: number
  trace?: TraceSink
}

/** A page of the shop group and how it came: 200 fresh, or 304 revalidated from the client's copy. */
export interface ShopPageResult<T> {
  body: T
  status: 200 | 304
  etag: string | undefined
  cacheControl: string | undefined
}

/** Where the shop is: the entry's URL and what DNS made of it (PROTOCOL.md §17.1). */
export interface ShopLocation extends ResolvedService {
  url: string
}

const header = (res: RawResponse, name: string): string | undefined => {
  const v = res.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/**
 * Shopping (PROTOCOL.md §17) for one logged-in user: the entry and DNS look-up of the shop group,
 * its catalogue and product pages through a small ETag cache, and orders and payment on the short
 * link with the ShortClient's token. Payment notices come over the long link (PaymentsFeed).
 */
export class ShopClient {
  private location: Promise<ShopLocation> | undefined
  private readonly pages = new Map<string, {etag: string; json: unknown}>()
  private readonly timeoutMs: number

  constructor(readonly short: ShortClient, private readonly options: ShopClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  entry(): Promise<EntryReply> {
    return this.short.call('shopEntry', undefined, parseEntryReply)
  }

  /** The entry, then SRV / A through the configured resolver; asked once, kept after. */
  locate(): Promise<ShopLocation> {
    this.location ??= (async () => {
      const {url} = await this.entry()
      return {url, ...(await resolveServiceUrl(checkShopUrl(url), SHOP_SRV_LABEL, this.options))}
    })()
    this.location.catch(() => (this.location = undefined))
    return this.location
  }

  list(listing: {title: string; priceCents: number; stock: number; mediaId?: string}): Promise<ListingReply> {
    return this.short.call('shopList', listing, parseListingReply)
  }

  order(productId: string, quantity: number, idempotencyKey: string): Promise<OrderReply> {
    return this.short.call('shopOrder', {productId, quantity, idempotencyKey}, parseOrderReply)
  }

  getOrder(orderId: string): Promise<OrderReply> {
    return this.short.call('shopOrderGet', undefined, parseOrderReply, `?orderId=${encodeURIComponent(orderId)}`)
  }

  pay(orderId: string, idempotencyKey: string): Promise<PayReply> {
    return this.short.call('shopPay', {orderId, idempotencyKey}, parsePayReply)
  }

  cancel(orderId: string): Promise<OrderReply> {
    return this.short.call('shopCancel', {orderId}, parseOrderReply)
  }

  ship(orderId: string): Promise<OrderReply> {
    return this.short.call('shopShip', {orderId}, parseOrderReply)
  }

  catalogue(): Promise<ShopPageResult<CatalogueReply>> {
    return this.page(SHOP_ROUTES.catalogue, parseCatalogueReply)
  }

  product(productId: string): Promise<ShopPageResult<ProductReply>> {
    return this.page(`${SHOP_ROUTES.product}${encodeURIComponent(productId)}`, parseProductReply)
  }

  /** One request to the shop group as given: to the resolved address, with `Host: NAME`. */
  async raw(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const at = await this.locate()
    return rawRequest(method, groupUrl(at.base, path), {headers: {host: at.host, ...headers}}, {dispatcher: this.options.dispatcher, timeoutMs: this.timeoutMs, trace: this.options.trace})
  }

  /** GET with If-None-Match when a copy is held; a 304 answers the copy (PROTOCOL.md §17.2). */
  private async page<T>(path: string, parse: (v: unknown) => T): Promise<ShopPageResult<T>> {
    const held = this.pages.get(path)
    const res = await this.raw('GET', path, held ? {'if-none-match': held.etag} : {})
    const etag = header(res, 'etag')
    const cacheControl = header(res, 'cache-control')
    if (res.status === 304 && held) return {body: parse(held.json), status: 304, etag: etag ?? held.etag, cacheControl}
    const body = parse(envelopeBody(res, `GET ${path}`))
    if (etag !== undefined) {
      // Re-inserted so the page counts as the newest; a flash sale lists a new product every few seconds.
      this.pages.delete(path)
      this.pages.set(path, {etag, json: res.json})
      keepNewest(this.pages, PAGE_CACHE_SIZE)
    }
    return {body, status: 200, etag, cacheControl}
  }
}

/**
 * The buyer's `payments` inbox (PROTOCOL.md §17.6), a thin role over a VirtualClient: the client
 * keeps the category's key and pulls it on each SYNC_NOTIFY {category: "payments"} (emitting each
 * notice as 'payment'); the feed hands each notice to whoever waits for its order.
 */
export class PaymentsFeed {
  private readonly waiting = new Map<string, (notice: PaymentNotice) => void>()
  private readonly onPayment = (notice: PaymentNotice): void => {
    this.waiting.get(notice.orderId)?.(notice)
    this.waiting.delete(notice.orderId)
  }

  constructor(readonly client: VirtualClient) {
    client.on('payment', this.onPayment)
  }

  /** The next notice pulled for `orderId`; call it before paying. `forget` gives up waiting. */
  noticeOf(orderId: string): Promise<PaymentNotice> {
    return new Promise((resolve) => this.waiting.set(orderId, resolve))
  }

  forget(orderId: string): void {
    this.waiting.delete(orderId)
  }

  /** Pulls the inbox now, beside the pulls the notifies start (they coalesce). */
  pull(): Promise<void> {
    return this.client.sync(PAYMENTS_SYNC_CATEGORY.name)
  }

  stop(): void {
    this.client.off('payment', this.onPayment)
    this.waiting.clear()
  }
}
