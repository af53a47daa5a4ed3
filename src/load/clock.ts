import {setTimeout as delay} from 'node:timers/promises'

/** Where the time of day comes from; tests pass a {@link FakeClock}. */
export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number
  /** Resolves after `ms` (at once when `ms` <= 0); rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /**
   * Calls `fn` once after `ms` (soon, but not synchronously, when `ms` <= 0) and returns a handle
   * for {@link Clock.cancel}. A callback where {@link Clock.sleep} gives a promise: a VU that
   * waits all its life keeps one timer, not a promise chain, an abort listener and async frames.
   */
  after(ms: number, fn: () => void): unknown
  /** Cancels an {@link Clock.after} that has not fired (nothing happens if it has). */
  cancel(handle: unknown): void
}

/**
 * The host's shared clock: `performance.timeOrigin + performance.now()` is monotonic within a
 * process and agrees across processes on one host (unlike `performance.now()` alone).
 */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason
    if (ms <= 0) return
    try {
      await delay(ms, undefined, {signal})
    } catch (err) {
      // timers/promises rejects with its own AbortError; the Clock contract promises the reason.
      if (signal?.aborted) throw signal.reason
      throw err
    }
  },
  after: (ms, fn) => setTimeout(fn, Math.max(0, ms)),
  cancel: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface Timer {
  at: number
  seq: number
  resolve(): void
}

/** Turns of the event loop run after each firing so chained sleeps can register in time. */
const SETTLE_TURNS = 3

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/**
 * A clock for tests: time moves only through {@link FakeClock.advance} / {@link FakeClock.advanceTo},
 * which fire due sleeps in deadline order and let the resolved code run before the next firing.
 */
export class FakeClock implements Clock {
  #now: number
  #seq = 0
  readonly #timers: Timer[] = []

  constructor(startMs = 0) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  /** Sleeps not yet fired or aborted. */
  get pending(): number {
    return this.#timers.length
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (ms <= 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(timer)
        reject(signal?.reason)
      }
      const timer: Timer = {
        at: this.#now + ms,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
      }
      this.#timers.push(timer)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }

  after(ms: number, fn: () => void): unknown {
    const timer: Timer = {at: this.#now + Math.max(0, ms), seq: this.#seq++, resolve: fn}
    this.#timers.push(timer)
    // Due now: fires without waiting for time to move, as a real timer of 0 ms would.
    if (ms <= 0) {
      queueMicrotask(() => {
        if (!this.#timers.includes(timer)) return
        this.#remove(timer)
        fn()
      })
    }
    return timer
  }

  cancel(handle: unknown): void {
    this.#remove(handle as Timer)
  }

  /** Moves time forward by `ms`, firing every sleep that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms)
  }

  /** Moves time to `t` (never backwards), firing every sleep due at or before `t`. */
  async advanceTo(t: number): Promise<void> {
    await settle()
    for (;;) {
      const next = this.#earliest()
      if (next === undefined || next.at > t) break
      this.#remove(next)
      this.#now = Math.max(this.#now, next.at)
      next.resolve()
      await settle()
    }
    this.#now = Math.max(this.#now, t)
    await settle()
  }

  /** Lets pending promise chains run without moving time. */
  async flush(): Promise<void> {
    await settle()
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined
    for (const timer of this.#timers) {
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer
    }
    return best
  }

  #remove(timer: Timer): void {
    const i = this.#timers.indexOf(timer)
    if (i >= 0) this.#timers.splice(i, 1)
  }
}
