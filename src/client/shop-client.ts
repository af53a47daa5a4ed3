import {EventEmitter} from 'node:events'
import type {Dispatcher} from 'undici'
import {CMD, PUSH_SEQ} from '../protocol/commands.js'
import {type Frame, parseJsonBody} from '../protocol/frame.js'
import type {SyncKey} from '../protocol/messages.js'
import {
  type CatalogueReply, type EntryReply, type ListingReply, type OrderReply, PAYMENTS_CATEGORY, type PayReply, type PaymentNotice,
  type ProductReply, SHOP_ROUTES, SHOP_SHORT_ROUTES, SHOP_SRV_LABEL, type ShopShortRoute, checkShopUrl, parseCatalogueReply, parseEntryReply,
  parseListingReply, parseOrderReply, parsePayReply, parsePaymentsSyncReply, parseProductReply,
} from '../protocol/shop.js'
import {type NameResolverOptions, type ResolvedService, resolveServiceUrl} from './dns-resolver.js'
import {type RawResponse, envelopeBody, joinUrl, rawRequest} from './http-json.js'
import type {LongLink} from './long-link.js'
import type {ShortClient} from './short-client.js'
import type {TraceSink} from './trace.js'

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
    return this.call('shopEntry', undefined, parseEntryReply)
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
    return this.call('shopList', listing, parseListingReply)
  }

  order(productId: string, quantity: number, idempotencyKey: string): Promise<OrderReply> {
    return this.call('shopOrder', {productId, quantity, idempotencyKey}, parseOrderReply)
  }

  getOrder(orderId: string): Promise<OrderReply> {
    return this.call('shopOrderGet', undefined, parseOrderReply, `?orderId=${encodeURIComponent(orderId)}`)
  }

  pay(orderId: string, idempotencyKey: string): Promise<PayReply> {
    return this.call('shopPay', {orderId, idempotencyKey}, parsePayReply)
  }

  cancel(orderId: string): Promise<OrderReply> {
    return this.call('shopCancel', {orderId}, parseOrderReply)
  }

  ship(orderId: string): Promise<OrderReply> {
    return this.call('shopShip', {orderId}, parseOrderReply)
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
    return rawRequest(method, joinUrl(at.base, path), {headers: {host: at.host, ...headers}}, {dispatcher: this.options.dispatcher, timeoutMs: this.timeoutMs, trace: this.options.trace})
  }

  /** GET with If-None-Match when a copy is held; a 304 answers the copy (PROTOCOL.md §17.2). */
  private async page<T>(path: string, parse: (v: unknown) => T): Promise<ShopPageResult<T>> {
    const held = this.pages.get(path)
    const res = await this.raw('GET', path, held ? {'if-none-match': held.etag} : {})
    const etag = header(res, 'etag')
    const cacheControl = header(res, 'cache-control')
    if (res.status === 304 && held) return {body: parse(held.json), status: 304, etag: etag ?? held.etag, cacheControl}
    const body = parse(envelopeBody(res, `GET ${path}`))
    if (etag !== undefined) this.pages.set(path, {etag, json: res.json})
    return {body, status: 200, etag, cacheControl}
  }

  private async call<T>(route: ShopShortRoute, body: unknown, parse: (v: unknown) => T, query = ''): Promise<T> {
    const {method, path, auth} = SHOP_SHORT_ROUTES[route]
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth && this.short.token) headers.authorization = `Bearer ${this.short.token}`
    const res = await this.short.raw(method, path + query, {body: body === undefined ? undefined : JSON.stringify(body), headers})
    return parse(envelopeBody(res, `${method} ${path}`, {route}))
  }
}

/** Whether a SYNC_NOTIFY names this category (PROTOCOL.md §6.3); an unreadable body is chat's. */
export function notifiesCategory(frame: Frame, category: string): boolean {
  if (frame.cmd !== CMD.SYNC_NOTIFY || frame.seq !== PUSH_SEQ || frame.body.length === 0) return false
  try {
    return (parseJsonBody(frame.body) as {category?: unknown} | null)?.category === category
  } catch {
    return false
  }
}

/**
 * The buyer's `payments` inbox over the long link (PROTOCOL.md §17.6): on SYNC_NOTIFY
 * {category: "payments"} it pulls SYNC {category: "payments"} until `continue` is false and emits
 * each notice. A notify during a pull adds one more round, so none is lost and no two overlap.
 */
export class PaymentsFeed extends EventEmitter<{payment: [PaymentNotice]; resync: [SyncKey]; error: [Error]}> {
  syncKey: SyncKey = {epoch: 0, seq: 0}
  private pulling: Promise<void> | undefined
  private again = false
  private readonly onPush = (frame: Frame): void => {
    if (notifiesCategory(frame, PAYMENTS_CATEGORY)) this.pull().catch((err: Error) => this.emit('error', err))
  }

  constructor(readonly link: LongLink, private readonly limit?: number) {
    super()
    link.on('push', this.onPush)
  }

  /** Pulls until nothing remains; resolves when this round (and any it absorbed) is done. */
  pull(): Promise<void> {
    if (this.pulling) {
      this.again = true
      return this.pulling
    }
    this.pulling = (async () => {
      let more = true
      while (more) {
        this.again = false
        const body = {syncKey: this.syncKey, category: PAYMENTS_CATEGORY, ...(this.limit ? {limit: this.limit} : {})}
        const reply = parsePaymentsSyncReply(parseJsonBody((await this.link.request(CMD.SYNC, body)).body))
        if (reply.resync) this.emit('resync', reply.syncKey)
        this.syncKey = reply.syncKey
        for (const n of reply.payments) this.emit('payment', n)
        more = reply.continue || this.again
      }
    })().finally(() => {
      this.pulling = undefined
    })
    return this.pulling
  }

  stop(): void {
    this.link.off('push', this.onPush)
  }
}
