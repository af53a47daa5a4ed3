import {Resolver} from 'node:dns/promises'
import {isIP} from 'node:net'
import {ImhError} from '../protocol/errors.js'

/**
 * Finds a server by ordinary DNS (PROTOCOL.md §2.4, §17.1): the SRV record `<label>.NAME` for the
 * port, else the name's own A / AAAA on the scheme's default port, asked of the system's resolver
 * or of the DNS server given as `resolver`.
 */

export interface NameResolverOptions {
  /** `host:port` of the DNS server to ask (UDP); default: the system's. */
  resolver?: string
  /** Per query; node retries a query `tries` times. */
  timeoutMs?: number
  tries?: number
  random?: () => number
}

export interface ResolvedService {
  /** The name looked up (the Host header requests must carry). */
  host: string
  address: string
  port: number
  /** Which step gave the address: the SRV record, the name's own A/AAAA, or an address literal. */
  via: 'srv' | 'a' | 'literal'
  /** The URL with the address and port in place of the name: what to connect to. */
  base: string
}

const DEFAULT_PORTS: Record<string, number> = {'http:': 80, 'https:': 443}
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND'])

/** Checks a `host:port` resolver address, naming the option. */
export function checkResolverAddress(value: string, option = 'resolver'): string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(value)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (!m || isIP(host!) === 0 || port < 1 || port > 65535) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${option} must be an IP address and port of a DNS server, such as 127.0.0.1:5353 or [::1]:5353; got "${value}"`, {option})
  }
  return value
}

export function dnsResolver(o: NameResolverOptions = {}): Resolver {
  const r = new Resolver({timeout: o.timeoutMs ?? 2000, tries: o.tries ?? 2})
  if (o.resolver !== undefined) r.setServers([checkResolverAddress(o.resolver)])
  return r
}

const code = (err: unknown): string => String((err as NodeJS.ErrnoException)?.code ?? '')

function unresolved(what: string, err: unknown): ImhError {
  return new ImhError('IMH_ERR_NAME_UNRESOLVED', `${what}: ${code(err) || (err as Error)?.message || String(err)}`, {dnsCode: code(err)})
}

/** RFC 2782: the lowest priority; among those, a weighted random pick (all weights 0: the first). */
export function pickSrv<T extends {priority: number; weight: number}>(records: readonly T[], random: () => number = Math.random): T | undefined {
  if (records.length === 0) return undefined
  const best = Math.min(...records.map((r) => r.priority))
  const tier = records.filter((r) => r.priority === best)
  const total = tier.reduce((sum, r) => sum + r.weight, 0)
  if (total === 0) return tier[0]
  let at = random() * total
  for (const r of tier) {
    at -= r.weight
    if (at < 0) return r
  }
  return tier.at(-1)
}

async function addressOf(r: Resolver, name: string): Promise<string> {
  if (isIP(name) !== 0) return name
  try {
    return (await r.resolve4(name))[0]!
  } catch (err) {
    if (!NO_RECORDS.has(code(err))) throw unresolved(`A ${name}`, err)
  }
  try {
    const v6 = await r.resolve6(name)
    if (v6[0]) return v6[0]
  } catch (err) {
    throw unresolved(`A and AAAA ${name}`, err)
  }
  throw new ImhError('IMH_ERR_NAME_UNRESOLVED', `${name} has no A or AAAA record`)
}

/**
 * Resolves the host of `url` as PROTOCOL.md §17.1 says: SRV `<srvLabel>.NAME` first, then A/AAAA of
 * NAME on the scheme's default port. Any failure is IMH_ERR_NAME_UNRESOLVED.
 */
export async function resolveServiceUrl(url: string | URL, srvLabel: string, o: NameResolverOptions = {}): Promise<ResolvedService> {
  const u = new URL(url)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const build = (address: string, port: number, via: ResolvedService['via']): ResolvedService => {
    const base = new URL(u)
    base.hostname = isIP(address) === 6 ? `[${address}]` : address
    base.port = String(port)
    return {host, address, port, via, base: base.href.replace(/\/$/, '')}
  }
  const defaultPort = Number(u.port) || DEFAULT_PORTS[u.protocol] || 80
  if (isIP(host) !== 0) return build(host, defaultPort, 'literal')
  const r = dnsResolver(o)
  let srv: {name: string; port: number; priority: number; weight: number}[] = []
  try {
    srv = await r.resolveSrv(`${srvLabel}.${host}`)
  } catch (err) {
    if (!NO_RECORDS.has(code(err))) throw unresolved(`SRV ${srvLabel}.${host}`, err)
  }
  const chosen = pickSrv(srv, o.random)
  if (chosen) {
    const target = lower(chosen.name)
    if (target === '') throw new ImhError('IMH_ERR_NAME_UNRESOLVED', `SRV ${srvLabel}.${host} says the service is not offered (target ".")`)
    return build(await addressOf(r, target), chosen.port, 'srv')
  }
  return build(await addressOf(r, host), defaultPort, 'a')
}

const lower = (name: string): string => name.toLowerCase().replace(/\.$/, '')
