import pLimit, {type LimitFunction} from 'p-limit'

/**
 * The client-side avatar cache of nearby people (PROTOCOL.md §12: a client fetches the avatars it
 * does not hold from the media group, §16). Least recently used, bounded in entries; the
 * fetch itself is the caller's (so a load scenario can time it and pick its source address).
 */
export interface AvatarCacheOptions {
  /** Avatars kept; the least recently shown is dropped beyond it. */
  capacity?: number
  /** Fetches one avatar and resolves with its ETag (or '' without one); throws on failure. */
  fetch: (url: string) => Promise<string>
  /**
   * Fetches in flight at once (default 6, a browser's per-host limit): a screen of 20 new faces
   * is loaded a few at a time, as real clients do, rather than as 20 simultaneous requests.
   */
  maxConcurrent?: number
}

export interface AvatarShown {
  url: string
  /** True when the cache held it and no request was made. */
  hit: boolean
}

export class AvatarCache {
  private readonly entries = new Map<string, string>()
  private readonly capacity: number
  private readonly inflight = new Map<string, Promise<string>>()
  private readonly limit: LimitFunction
  hits = 0
  misses = 0

  constructor(private readonly options: AvatarCacheOptions) {
    this.capacity = options.capacity ?? 500
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`option capacity must be an integer >= 1, got ${options.capacity}`)
    const concurrency = options.maxConcurrent ?? 6
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`option maxConcurrent must be an integer >= 1, got ${options.maxConcurrent}`)
    this.limit = pLimit(concurrency)
  }

  get size(): number {
    return this.entries.size
  }

  has(url: string): boolean {
    return this.entries.has(url)
  }

  /** Shows the avatars of people on screen: cached ones are hits, the rest are fetched (at most once at a time each). */
  async show(urls: readonly string[]): Promise<AvatarShown[]> {
    return Promise.all(urls.filter((u) => u !== '').map((url) => this.showOne(url)))
  }

  private async showOne(url: string): Promise<AvatarShown> {
    const etag = this.entries.get(url)
    if (etag !== undefined) {
      // Re-inserting moves the entry to the young end of the Map's order.
      this.entries.delete(url)
      this.entries.set(url, etag)
      this.hits++
      return {url, hit: true}
    }
    this.misses++
    let pending = this.inflight.get(url)
    if (!pending) {
      pending = this.limit(() => this.options.fetch(url)).finally(() => this.inflight.delete(url))
      this.inflight.set(url, pending)
    }
    const got = await pending
    this.entries.set(url, got)
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
    return {url, hit: false}
  }
}
