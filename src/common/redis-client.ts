import {Redis} from 'ioredis'

/**
 * An ioredis connection as every part of imh opens one (the server group's stores, load agents,
 * the distributed coordinator): no retries before the first connection, so a wrong URL fails at
 * once with its reason; after it, reconnects for as long as it takes (a Redis restart), every
 * 100 ms to 2 s.
 *
 * ioredis rather than a hand-written RESP client: pipelining, Lua script caching, reconnection,
 * pub/sub re-subscription and binary-safe stream reads are what its users need, and it does them well.
 */
export class RedisClient {
  readonly client: Redis
  /** The last connection error: why connect() failed (ioredis's own rejection only says "Connection is closed"). */
  private lastError: Error | undefined
  private connected = false

  /**
   * `unreachable` makes the error connect() rejects with from its message (which names the URL and
   * the reason): callers make it an IMH_ERR_REDIS_UNREACHABLE ImhError, a type src/common cannot import.
   */
  constructor(readonly url: string, private readonly unreachable: (message: string) => Error) {
    this.client = new Redis(url, {lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true, retryStrategy: (times) => (this.connected ? Math.min(times * 100, 2000) : null)})
    // ioredis emits 'error' on every failed reconnect; the commands that fail say so themselves.
    this.client.on('error', (err: Error) => {
      this.lastError = err
    })
  }

  /** Connects, or rejects with the `unreachable` error, naming the URL. */
  async connect(): Promise<this> {
    try {
      await this.client.connect()
      await this.client.ping()
      this.connected = true
    } catch (err) {
      this.client.disconnect()
      throw this.unreachable(`cannot reach Redis at ${this.url}: ${(this.lastError ?? (err as Error)).message}`)
    }
    return this
  }

  /**
   * A second connection to the same Redis with the same policy, for commands that hold one
   * (XREAD BLOCK, SUBSCRIBE). ioredis's duplicate() copies the options, retry strategy included.
   */
  duplicate(): Redis {
    const other = this.client.duplicate()
    other.on('error', () => {})
    return other
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
