import {isIP} from 'node:net'
import {SHOP_DEFAULT_NAME, SHOP_DNS_ZONE, SHOP_SRV_LABEL} from '../../src/protocol/index.js'
import {authenticate} from '../core/session.js'
import {defineServerFlow} from '../flow.js'
import {MEDIA_STORE} from '../media/media-slot.js'
import {type ZoneRecord, startDnsServer} from './dns-server.js'
import {SHOP_LIMIT_SPECS} from './limits.js'
import {shopPageRoutes} from './shop-pages.js'
import {type ShopOptions, ShopService} from './shop-service.js'
import {SHOP_STORE} from './shop-slot.js'

/** What the shop is built from: its service's options, and where its own listener is. */
export interface ShopFlowOptions {
  service: ShopOptions
  /** The shop listener's base URL as bound (`http://127.0.0.1:PORT`), read once it listens. */
  bound: () => string
}

/** The shop service and the records its DNS server answers with. */
export interface ShopParts {
  service: ShopService
  /** The zone's records now (§17.1), the address the shop is reached at given the DNS server's bind host. */
  records(bindHost: string): ZoneRecord[]
}

/** The address clients connect to: the listener's own when an IP literal, else the bind host (loopback for a wildcard). */
function addressOf(listenerHost: string, bindHost: string): string {
  if (isIP(listenerHost) !== 0 && listenerHost !== '0.0.0.0' && listenerHost !== '::') return listenerHost
  return bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost === '::' ? '::1' : bindHost
}

/**
 * The shop's records (PROTOCOL.md §17.1): the A (or AAAA) record of its name and the SRV record of
 * `_imh-shop._tcp.<name>` with the shop listener's port. `make` replaces the service or rewrites
 * the records (test doubles plant a bug in one and keep the other).
 */
export function shopParts(o: ShopFlowOptions, make: {service?: (o: ShopOptions) => ShopService; records?: (records: ZoneRecord[]) => ZoneRecord[]} = {}): ShopParts {
  const service = make.service ? make.service(o.service) : new ShopService(o.service)
  return {
    service,
    records(bindHost) {
      const url = new URL(o.bound())
      const address = addressOf(url.hostname.replace(/^\[|\]$/g, ''), bindHost)
      const records: ZoneRecord[] = [
        {name: SHOP_DEFAULT_NAME, type: isIP(address) === 6 ? 'AAAA' : 'A', data: address},
        {name: `${SHOP_SRV_LABEL}.${SHOP_DEFAULT_NAME}`, type: 'SRV', data: {priority: 0, weight: 0, port: Number(url.port), target: SHOP_DEFAULT_NAME}},
      ]
      return make.records ? make.records(records) : records
    },
  }
}

/**
 * Shopping (PROTOCOL.md §17): orders and payment on the short link, the cacheable catalogue on a
 * listener of its own that the scheduler never lists, and an authoritative DNS server for the
 * zone imh.test that names it (§17.1). Payment notices go to the shared store's `payments` inboxes.
 */
export const shopFlow = defineServerFlow({
  name: 'shop',
  limits: SHOP_LIMIT_SPECS,
  stores: [SHOP_STORE],
  needs: {groups: ['media'], stores: [MEDIA_STORE]},
  listeners: [{name: 'shop', kind: 'http'}],
  options: (ctx): ShopFlowOptions => {
    const bound = ctx.base('shop')
    return {
      bound,
      service: {
        shop: ctx.storeOf(SHOP_STORE), store: ctx.store, media: ctx.storeOf(MEDIA_STORE), limits: ctx.limits,
        authenticate: (req) => authenticate(ctx.store, req), mediaBase: ctx.base('media'),
        // The entry names the shop by its DNS name, without the port (§17.1).
        shopUrl: () => `${new URL(bound()).protocol}//${SHOP_DEFAULT_NAME}`,
      },
    }
  },
  create: (o): ShopParts => shopParts(o),
  routes: (parts) => ({short: parts.service.shortRoutes(), shop: shopPageRoutes(parts.service)}),
  udp: {
    count: 1,
    label: "the shop's DNS port (§17.1)",
    // Asked per query: the SRV record follows the shop listener's port.
    bind: (parts, at) => startDnsServer({origin: SHOP_DNS_ZONE, ttl: 30, records: () => parts.records(at.host)}, {host: at.host, port: at.ports[0]}),
  },
  resolver: (_parts, dns) => dns!.address,
  status: (_parts, dns) => ({
    /** The DNS server naming the shop (§17.1), and what it answered. */
    dns: {address: dns!.address, stats: dns!.stats},
  }),
})
