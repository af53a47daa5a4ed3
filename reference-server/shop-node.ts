import type {Server} from 'node:http'
import {isIP} from 'node:net'
import {ImhError} from '../src/protocol/errors.js'
import {SHOP_DEFAULT_NAME, SHOP_DNS_ZONE, SHOP_SRV_LABEL} from '../src/protocol/shop.js'
import {type DnsServer, type ZoneRecord, startDnsServer} from './dns-server.js'
import {type TlsOptions, closeServer, listen} from './http-util.js'
import {type ShopOptions, ShopService} from './shop.js'
import {createShopServer} from './shop-server.js'

export interface ShopNodeOptions extends Omit<ShopOptions, 'shopUrl'> {
  /** Address the shop group and the DNS server bind; default 127.0.0.1. */
  host?: string
  /** The shop group's TCP port; 0 (default): an ephemeral one. */
  port?: number
  /** The DNS server's UDP port; 0 (default): an ephemeral one. */
  dnsPort?: number
  /** The shop's DNS name, inside the zone `imh.test` (default shop.imh.test). */
  name?: string
  /** What the A / AAAA record says; default the bound address (127.0.0.1 for a wildcard). */
  address?: string
  tls?: TlsOptions
  /** Builds the service; default `new ShopService(options)` (test doubles plant bugs here). */
  service?: (options: ShopOptions) => ShopService
  /** Rewrites the zone's records before they are served (test doubles plant DNS bugs here). */
  records?: (records: ZoneRecord[]) => ZoneRecord[]
}

/** The shop group and the DNS server that names it (PROTOCOL.md §17.1, §17.2). */
export interface ShopNode {
  service: ShopService
  /** The entry URL: `http://NAME`, no port (§17.1). */
  url: string
  /** The shop group as bound, `http://ADDRESS:PORT`, for whoever does not resolve. */
  bound: string
  /** The DNS server's `host:port`, what clients are given as their resolver. */
  dns: DnsServer
  close(): Promise<void>
}

/**
 * Starts the shop group on TCP and an authoritative DNS server for `imh.test` on UDP: A of the
 * shop's name, SRV `_imh-shop._tcp.<name>` for its port (PROTOCOL.md §17.1).
 */
export async function startShopNode(o: ShopNodeOptions): Promise<ShopNode> {
  const host = o.host ?? '127.0.0.1'
  const name = (o.name ?? SHOP_DEFAULT_NAME).toLowerCase()
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) || !name.endsWith(`.${SHOP_DNS_ZONE}`)) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option shopName must be a host name inside ${SHOP_DNS_ZONE} (the zone its DNS server answers for), got "${name}"`, {option: 'shopName'})
  }
  const address = o.address ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host)
  const scheme = o.tls ? 'https' : 'http'
  const url = `${scheme}://${name}`
  const options: ShopOptions = {...o, shopUrl: () => url}
  const service = o.service ? o.service(options) : new ShopService(options)
  const server: Server = createShopServer(service, o.tls)
  const port = await listen(server, host, o.port ?? 0)
  const records: ZoneRecord[] = [
    {name, type: isIP(address) === 6 ? 'AAAA' : 'A', data: address},
    {name: `${SHOP_SRV_LABEL}.${name}`, type: 'SRV', data: {priority: 0, weight: 0, port, target: name}},
  ]
  const served = o.records ? o.records(records) : records
  let dns: DnsServer
  try {
    dns = await startDnsServer({origin: SHOP_DNS_ZONE, ttl: 30, records: () => served}, {host, port: o.dnsPort ?? 0})
  } catch (err) {
    await closeServer(server)
    throw err
  }
  const bound = `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`
  return {
    service, url, bound, dns,
    async close() {
      await dns.close()
      await closeServer(server)
    },
  }
}
