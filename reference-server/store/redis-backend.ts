import type {Redis} from 'ioredis'
import {RedisClient} from '../../src/common/redis-client.js'
import {ImhError} from '../../src/protocol/index.js'

/**
 * One Redis that the nodes of a server group share (PROTOCOL.md §2.5): a command connection, a
 * subscriber connection opened on first use (a subscribed ioredis connection can run no other
 * command), and the key prefix every store puts before its keys, so that several servers (or
 * tests) can share one Redis without seeing each other's state.
 *
 * The connection itself (and why ioredis) is {@link RedisClient}'s.
 */
export class RedisBackend extends RedisClient {
  private subscriber: Redis | undefined
  private readonly handlers = new Map<string, Set<(message: string) => void>>()

  constructor(url: string, readonly prefix = 'imh:') {
    super(url, (message) => new ImhError('IMH_ERR_REDIS_UNREACHABLE', message, {url}))
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
      this.subscriber = this.duplicate()
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

  override async close(): Promise<void> {
    this.subscriber?.disconnect()
    await super.close()
  }
}
