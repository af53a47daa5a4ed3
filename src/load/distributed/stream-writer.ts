import type {Redis} from 'ioredis'

/**
 * Appends entries to a Redis stream in order, none lost: an XADD that fails (Redis restarting, a
 * connection dropped) is retried until it succeeds or the writer is closed, and nothing behind it
 * goes first. A metric delta dropped on the way would make the run's counts silently wrong; an
 * init or a stop dropped would hang the run. Each entry carries `s` = sender:sequence, so that a
 * retried XADD whose first reply was lost (the entry is then in the stream twice) is read once
 * ({@link SequenceFilter}).
 */
export class StreamWriter {
  private readonly queue: Buffer[] = []
  private seq = 0
  private draining = false
  private closed = false
  private idle: Promise<void> = Promise.resolve()
  private resolveIdle: (() => void) | undefined

  constructor(private readonly client: Redis, private readonly key: string, private readonly sender: string, private readonly onRetry: (err: Error) => void = () => {}) {}

  /** Queues `m` (encoded) for the stream. */
  write(m: Buffer): void {
    if (this.closed) return
    this.queue.push(m)
    if (!this.draining) this.idle = new Promise((resolve) => (this.resolveIdle = resolve))
    void this.drain()
  }

  /** Resolves when everything written so far is in the stream (or the writer was closed). */
  flushed(): Promise<void> {
    return this.draining ? this.idle : Promise.resolve()
  }

  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    while (this.queue.length > 0 && !this.closed) {
      const m = this.queue[0]!
      try {
        await this.client.xadd(this.key, '*', 's', `${this.sender}:${this.seq}`, 'm', m)
        this.queue.shift()
        this.seq++
      } catch (err) {
        this.onRetry(err as Error)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    this.draining = false
    this.resolveIdle?.()
  }

  /** Stops retrying; what is still queued is dropped. */
  close(): void {
    this.closed = true
    this.queue.length = 0
  }
}

/** Reads each sender's entries once: drops an entry whose sequence it has already seen (a retried XADD). */
export class SequenceFilter {
  private readonly last = new Map<string, number>()

  /** Whether the entry tagged `s` (sender:sequence) is new. */
  fresh(s: string | undefined): boolean {
    if (s === undefined) return true
    const at = s.lastIndexOf(':')
    const sender = s.slice(0, at)
    const seq = Number(s.slice(at + 1))
    if (seq <= (this.last.get(sender) ?? -1)) return false
    this.last.set(sender, seq)
    return true
  }
}
