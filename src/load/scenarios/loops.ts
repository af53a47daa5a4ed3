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
 * it started at.
 */
export async function paced(clock: Clock, random: () => number, periodMs: number, signal: AbortSignal, action: (startedMs: number) => Promise<void>): Promise<void> {
  let next = clock.now() + random() * periodMs
  while (!signal.aborted) {
    await clock.sleep(next - clock.now(), signal).catch(() => undefined)
    if (signal.aborted) break
    await action(clock.now())
    next = Math.max(next + periodMs, clock.now())
  }
}
