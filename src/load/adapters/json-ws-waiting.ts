/** One request waiting for its answer; its time limit is a field, not a timer. */
interface Waiter<T> {
  resolve(v: T): void
  reject(err: Error): void
  deadline: number
  sentAt: number
}

/**
 * Requests of one session waiting for their answers (sends for acks, heartbeats for pongs), by
 * key. Every request of a session has the same time limit, so insertion order is deadline order:
 * expiring stops at the first not due, and the oldest is the first key.
 */
export class Waiting<K, T> {
  private readonly map = new Map<K, Waiter<T>>()

  /** A promise for `key`'s answer; the caller has the deadline watched. */
  add(key: K, timeoutMs: number): {promise: Promise<T>; deadline: number} {
    const sentAt = performance.now()
    const deadline = sentAt + timeoutMs
    const promise = new Promise<T>((resolve, reject) => void this.map.set(key, {resolve, reject, deadline, sentAt}))
    return {promise, deadline}
  }

  /** The oldest key waiting, if any. */
  oldest(): K | undefined {
    return this.map.keys().next().value
  }

  /** Answers `key` with `answer(sentAt)`; false when nothing waits under it (a late or stray answer). */
  resolve(key: K, answer: (sentAt: number) => T): boolean {
    const w = this.map.get(key)
    if (!w) return false
    this.map.delete(key)
    w.resolve(answer(w.sentAt))
    return true
  }

  reject(key: K, err: Error): boolean {
    const w = this.map.get(key)
    if (!w) return false
    this.map.delete(key)
    w.reject(err)
    return true
  }

  /** Rejects what is due by `now` with `err()`; the earliest deadline left (Infinity: none). */
  expire(now: number, err: () => Error): number {
    for (const [key, w] of this.map) {
      if (w.deadline > now) return w.deadline
      this.map.delete(key)
      w.reject(err())
    }
    return Number.POSITIVE_INFINITY
  }

  rejectAll(err: Error): void {
    for (const w of this.map.values()) w.reject(err)
    this.map.clear()
  }
}
