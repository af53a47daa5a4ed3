import type {IncomingMessage} from 'node:http'
import {PAYMENTS_CATEGORY, SHOP_DEFAULT_NAME, SHOP_LIMIT_SPECS} from '../src/protocol/shop.js'
import type {TlsOptions} from './http-util.js'
import type {ShopShortRoute, SyncCategoryInbox} from './shop.js'
import {type ShopNode, type ShopNodeOptions, startShopNode} from './shop-node.js'
import type {MediaStore} from './store/media-store.js'
import {MemoryShopStore, type ShopStore} from './store/shop-store.js'

/** What the reference server gives the shop when it starts it. */
export interface ShopHost {
  host: string
  /** The shop group's TCP port and the DNS server's UDP port; 0: ephemeral. */
  port: number
  dnsPort: number
  /** The shop's DNS name (default shop.imh.test). */
  name?: string
  tls?: TlsOptions
  limits: {shortMaxBodyBytes: number; orderTtlMs: number}
  media?: MediaStore
  mediaBase(): string
  /** The caller's user id from its bearer token, or the session error (PROTOCOL.md §3.2). */
  authenticate(req: IncomingMessage): Promise<string>
  /** SYNC_NOTIFY {category} to the user's long link on whichever node holds it (§6.3). */
  notify(userId: string, category: string): Promise<void> | void
  /** Shop state; default a fresh MemoryShopStore. */
  store?: ShopStore
  /** Test doubles plant bugs here, as `services` does for the other flows. */
  service?: ShopNodeOptions['service']
  records?: ShopNodeOptions['records']
}

/** What the shop hands back: its routes for the short link, its SYNC category, its ready-line fields. */
export interface ShopFlowInstance {
  node: ShopNode
  shortRoutes: ShopShortRoute[]
  syncInboxes: SyncCategoryInbox[]
  /** Fields of `imh serve`'s ready line (§17.1): the DNS server and the entry URL. */
  ready: {dns: string; shop: string}
  close(): Promise<void>
}

/**
 * The shop flow's server declaration (flow `shop`, PROTOCOL.md §17), in one place: its limits, its
 * `imh serve` settings beyond them, and how it starts beside the other groups.
 */
export const shopServerFlow = {
  flow: 'shop',
  section: '17',
  limits: SHOP_LIMIT_SPECS,
  /** `imh serve` settings that are not limits. */
  settings: {
    dnsPort: {flag: 'dns-port', default: 0, min: 0, max: 65535, description: 'UDP port of the DNS server that names the shop (PROTOCOL.md §17.1); 0: an ephemeral one'},
    shopName: {flag: 'shop-name', default: SHOP_DEFAULT_NAME, description: 'DNS name of the shop group, inside imh.test (PROTOCOL.md §17.1)'},
  },
  async start(h: ShopHost): Promise<ShopFlowInstance> {
    const node = await startShopNode({
      host: h.host, port: h.port, dnsPort: h.dnsPort, name: h.name, tls: h.tls, shop: h.store ?? new MemoryShopStore(), media: h.media, limits: h.limits,
      authenticate: h.authenticate, mediaBase: h.mediaBase, notify: (userId) => h.notify(userId, PAYMENTS_CATEGORY), service: h.service, records: h.records,
    })
    return {node, shortRoutes: node.service.shortRoutes(), syncInboxes: [node.service.paymentsInbox], ready: {dns: node.dns.address, shop: node.url}, close: () => node.close()}
  },
} as const
