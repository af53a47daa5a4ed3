import {Redis} from 'ioredis'
import {ImhError} from '../../src/protocol/index.js'

/**
 * One Redis that the nodes of a server group share (PROTOCOL.md §2.5): a command connection, a
 * subscriber connection opened on first use (a subscribed ioredis connection can run no other
 * command), and the key prefix every store puts before its keys, so that several servers (or
 * tests) can share one Redis without seeing each other's state.
 *
 * ioredis rather than a hand-written RESP client: pipelining, Lua script caching (EVALSHA with
 * EVAL fallback), reconnection and pub/sub re-subscription are what a store needs and what it
 * already does well.
 */
export class RedisBackend {
  readonly client: Redis
  private subscriber: Redis | undefined
  private readonly handlers = new Map<string, Set<(message: string) => void>>()
  /** The last connection error: why connect() failed (ioredis's own rejection only says "Connection is closed"). */
  private lastError: Error | undefined
  private connected = false

  constructor(readonly url: string, readonly prefix = 'imh:') {
    // No retries before the first connection: a wrong URL fails the start at once, with its reason.
    // After it, reconnect for as long as it takes (a Redis restart), every 100 ms to 2 s.
    this.client = new Redis(url, {lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true, retryStrategy: (times) => (this.connected ? Math.min(times * 100, 2000) : null)})
    // ioredis emits 'error' on every failed reconnect; the commands that fail say so themselves.
    this.client.on('error', (err: Error) => {
      this.lastError = err
    })
  }

  /** Connects, or rejects with IMH_ERR_REDIS_UNREACHABLE naming the URL. */
  async connect(): Promise<this> {
    try {
      await this.client.connect()
      await this.client.ping()
      this.connected = true
    } catch (err) {
      this.client.disconnect()
      throw new ImhError('IMH_ERR_REDIS_UNREACHABLE', `cannot reach Redis at ${this.url}: ${(this.lastError ?? (err as Error)).message}`, {url: this.url})
    }
    return this
  }

  /** The full key of `parts` under this backend's prefix. */
  key(...parts: Array<string | number>): string {
    return this.prefix + parts.join(':')
  }

  /** The Redis channel of the pub/sub channel `name`, for a script that publishes on it. */
  channel(name: string): string {
    return this.key('ch', name)
  }

  /** Subscribes `handler` to the channel `channel(name)`; returns the unsubscribe function. */
  async subscribe(name: string, handler: (message: string) => void): Promise<() => void> {
    const channel = this.channel(name)
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate()
      this.subscriber.on('error', () => {})
      this.subscriber.on('message', (ch: string, message: string) => {
        for (const h of this.handlers.get(ch) ?? []) h(message)
      })
    }
    let set = this.handlers.get(channel)
    if (!set) {
      this.handlers.set(channel, (set = new Set()))
      await this.subscriber.subscribe(channel)
    }
    set.add(handler)
    return () => {
      set.delete(handler)
    }
  }

  /** Publishes `message` on the channel `channel(name)`. */
  async publish(name: string, message: string): Promise<void> {
    await this.client.publish(this.channel(name), message)
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect()
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
