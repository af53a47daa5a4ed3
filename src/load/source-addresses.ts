import {isIPv4} from 'node:net'
import type {Agent, Dispatcher} from 'undici'
import {undici} from '../common/undici.js'

/** True for a literal IPv4 address in 127.0.0.0/8 (or the name localhost, which we map to 127.0.0.1). */
export function isIPv4Loopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '')
  if (h === 'localhost') return true
  return isIPv4(h) && h.startsWith('127.')
}

/**
 * Spreads connections over loopback source addresses 127.0.0.2 … 127.0.0.(1+count). One source
 * address has ~28k ephemeral ports towards one destination port; 10,000 long links plus their
 * short-link sockets from one address would come close, so a load run uses many. Only applied
 * when the destination is IPv4 loopback: elsewhere the OS picks the source.
 */
export class SourceAddresses {
  private readonly agents = new Map<string, Agent>()

  constructor(readonly count: number, private readonly connectTimeoutMs = 10_000) {}

  /** The source address for client `index` towards `url`, or undefined to let the OS choose. */
  addressFor(index: number, url: string): string | undefined {
    if (this.count <= 0) return undefined
    if (!isIPv4Loopback(new URL(url).hostname)) return undefined
    return `127.0.0.${2 + (index % this.count)}`
  }

  /** An undici dispatcher bound to the client's source address (one pooled Agent per address). */
  dispatcherFor(index: number, url: string): Dispatcher | undefined {
    const address = this.addressFor(index, url)
    if (!address) return undefined
    let agent = this.agents.get(address)
    if (!agent) {
      agent = new (undici().Agent)({connect: {localAddress: address, timeout: this.connectTimeoutMs}, keepAliveTimeout: 30_000, pipelining: 1})
      this.agents.set(address, agent)
    }
    return agent
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close().catch(() => undefined)))
    this.agents.clear()
  }
}
