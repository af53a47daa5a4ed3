import type {ImhError} from '../../protocol/index.js'
import type {Clock} from '../clock.js'

/**
 * Callbacks waiting for each signal's abort. One signal is shared by many idle VUs (runVus gives
 * the loops it never stops early one end-of-run signal per group of 64): one real listener per
 * signal and a Set behind it keep adding and removing a waiter O(1) and a few dozen bytes, where
 * `addEventListener` per VU costs a Listener object each and a walk of the whole list per add.
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>()

/**
 * Calls `fn` once when `signal` aborts (at once, synchronously, if it already has). Cancel with
 * {@link offAbort} when the waiter is done first.
 */
export function onAbort(signal: AbortSignal, fn: () => void): void {
  if (signal.aborted) return fn()
  let set = waiters.get(signal)
  if (!set) {
    const mine = (set = new Set())
    waiters.set(signal, mine)
    signal.addEventListener('abort', () => {
      waiters.delete(signal)
      for (const waiter of mine) waiter()
    }, {once: true})
  }
  set.add(fn)
}

/** Cancels an {@link onAbort} wait (nothing happens if `fn` already ran or never waited). */
export function offAbort(signal: AbortSignal, fn: () => void): void {
  waiters.get(signal)?.delete(fn)
}

function noop(): void {}

/**
 * Resolves when the signal aborts; throws the session's error when the server ends it first.
 * Written with callbacks, not `async`: an idle VU waits here for its whole life, and a suspended
 * async function keeps a generator, its registers and a promise chain alive per VU.
 */
export function untilAbortOrClosed(signal: AbortSignal, closed: Promise<ImhError>): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    onAbort(signal, resolve)
    closed.then((err) => {
      offAbort(signal, resolve)
      reject(err)
    }, noop)
  })
}

/**
 * Runs `body` (a VU's own paced loop) while the link lives: resolves when the signal aborts, throws
 * the session's error when the server ends it first, and in both cases waits for `body` to stop.
 * `alive()` tells `body` whether to go on.
 */
export async function whileLinked(signal: AbortSignal, closed: Promise<ImhError>, body: (alive: () => boolean) => Promise<void>): Promise<void> {
  let dead = false
  void closed.then(() => (dead = true))
  const running = body(() => !signal.aborted && !dead)
  try {
    await untilAbortOrClosed(signal, closed)
  } finally {
    await running
  }
}

/**
 * Runs `action` every `periodMs` from a random phase until the signal aborts, waiting for each
 * action before the next (closed model: a slow server slows the VU down); `action` gets the time
 * it started at. The schedule of {@link pacedWhileLinked}, with no session to end it.
 */
export function paced(clock: Clock, random: () => number, periodMs: number, signal: AbortSignal, action: (startedMs: number) => Promise<void>): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve, reject) => new Pacer(clock, periodMs, signal, undefined, {iterate: action}, clock.now() + random() * periodMs, resolve, reject))
}

/** What {@link pacedWhileLinked} runs: a VU with an iteration (its methods, so no closure per VU). */
export interface Paced {
  iterate(startedMs: number): Promise<void>
}

/**
 * A VU's paced loop for as long as its session lives: `vu.iterate` every `periodMs` from a random
 * phase, each after the one before has finished (closed model: a slow server slows the VU down),
 * given the time it started at. Resolves when the signal aborts; rejects with the session's error
 * when the server ends it first (no iteration starts after that); in both cases only once the
 * iteration in flight is done. An iteration that throws ends the loop with its error.
 */
export function pacedWhileLinked(clock: Clock, random: () => number, periodMs: number, signal: AbortSignal, closed: Promise<ImhError>, vu: Paced): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve, reject) => new Pacer(clock, periodMs, signal, closed, vu, clock.now() + random() * periodMs, resolve, reject))
}

/**
 * The state of one {@link paced} or {@link pacedWhileLinked} loop: an object with one clock timer, where an async loop
 * over clock.sleep kept about 3.5 KB per idle VU alive (async frames, promises and their
 * reactions, ~20 closures, a Timeout and an abort listener: heap snapshot of chat at 1000 clients).
 */
class Pacer {
  private timer: unknown
  private busy = false
  private ended = false
  private failure: unknown
  private readonly fire = (): void => this.run()
  private readonly stopNow = (): void => this.stop(undefined)
  private readonly done = (): void => this.iterated(undefined)
  private readonly failed = (err: unknown): void => this.iterated(err ?? new Error('iteration failed'))

  constructor(
    private readonly clock: Clock, private readonly periodMs: number, private readonly signal: AbortSignal, closed: Promise<ImhError> | undefined,
    private readonly vu: Paced, private next: number, private readonly resolve: () => void, private readonly reject: (err: unknown) => void,
  ) {
    onAbort(signal, this.stopNow)
    closed?.then((err) => this.stop(err), noop)
    if (!this.ended) this.schedule()
  }

  private schedule(): void {
    this.timer = this.clock.after(this.next - this.clock.now(), this.fire)
  }

  private run(): void {
    this.timer = undefined
    if (this.ended) return
    this.busy = true
    this.vu.iterate(this.clock.now()).then(this.done, this.failed)
  }

  private iterated(err: unknown): void {
    this.busy = false
    if (err !== undefined) this.stop(err)
    if (this.ended) return this.finish()
    this.next = Math.max(this.next + this.periodMs, this.clock.now())
    this.schedule()
  }

  private stop(err: unknown): void {
    if (this.ended) return
    this.ended = true
    this.failure = err
    offAbort(this.signal, this.stopNow)
    if (this.timer !== undefined) this.clock.cancel(this.timer)
    this.timer = undefined
    if (!this.busy) this.finish()
  }

  private finish(): void {
    if (this.failure === undefined) this.resolve()
    else this.reject(this.failure)
  }
}
