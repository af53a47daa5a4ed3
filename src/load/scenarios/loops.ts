import type {Clock} from '../clock.js'

/**
 * What waits for a signal's abort: a callback, or an object whose `onAbort` method is called (a
 * loop's own state object then needs no closure of its own to wait).
 */
export type AbortWaiter = (() => void) | {onAbort(): void}

/**
 * Waiters for each signal's abort. One signal is shared by many idle VUs (runVus gives
 * the loops it never stops early one end-of-run signal per group of 64): one real listener per
 * signal and a Set behind it keep adding and removing a waiter O(1) and a few dozen bytes, where
 * `addEventListener` per VU costs a Listener object each and a walk of the whole list per add.
 */
const waiters = new WeakMap<AbortSignal, Set<AbortWaiter>>()

function wake(waiter: AbortWaiter): void {
  if (typeof waiter === 'function') waiter()
  else waiter.onAbort()
}

/**
 * Calls `waiter` once when `signal` aborts (at once, synchronously, if it already has). Cancel with
 * {@link offAbort} when the waiter is done first.
 */
export function onAbort(signal: AbortSignal, waiter: AbortWaiter): void {
  if (signal.aborted) return wake(waiter)
  let set = waiters.get(signal)
  if (!set) {
    const mine = (set = new Set())
    waiters.set(signal, mine)
    signal.addEventListener('abort', () => {
      waiters.delete(signal)
      for (const w of mine) wake(w)
    }, {once: true})
  }
  set.add(waiter)
}

/** Cancels an {@link onAbort} wait (nothing happens if the waiter already ran or never waited). */
export function offAbort(signal: AbortSignal, waiter: AbortWaiter): void {
  waiters.get(signal)?.delete(waiter)
}

function noop(): void {}

/**
 * Resolves when the signal aborts; throws the session's error when the server ends it first.
 * Written with callbacks, not `async`: an idle VU waits here for its whole life, and a suspended
 * async function keeps a generator, its registers and a promise chain alive per VU.
 */
export function untilAbortOrClosed(signal: AbortSignal, closed: Promise<Error>): Promise<void> {
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
export async function whileLinked(signal: AbortSignal, closed: Promise<Error>, body: (alive: () => boolean) => Promise<void>): Promise<void> {
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
  return new Promise<void>((resolve, reject) => new Pacer(DueQueue.of(clock), periodMs, signal, undefined, {iterate: action}, clock.now() + random() * periodMs, resolve, reject))
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
export function pacedWhileLinked(clock: Clock, random: () => number, periodMs: number, signal: AbortSignal, closed: Promise<Error>, vu: Paced): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve, reject) => new Pacer(DueQueue.of(clock), periodMs, signal, closed, vu, clock.now() + random() * periodMs, resolve, reject))
}

/**
 * The paced loops of one clock waiting for their time, in a binary heap by due time, under one
 * clock timer for the earliest: a waiting loop costs a heap slot, where a timer of its own cost a
 * Timeout, a closure to fire it and their numbers (~300 bytes per idle chat client, heap snapshot).
 * The heap is written here, not taken from a priority-queue package: a loop that stops leaves from
 * the middle in O(log n) through the slot it keeps, which the common packages (tinyqueue,
 * @datastructures-js/priority-queue) do not offer without a scan.
 */
class DueQueue {
  private static readonly queues = new WeakMap<Clock, DueQueue>()
  private readonly heap: Pacer[] = []
  private timer: unknown
  /** When the timer is set for; Infinity when it is not set. */
  private timerAt = Infinity
  private readonly fire = (): void => this.onTimer()

  private constructor(readonly clock: Clock) {}

  /** The clock's queue. */
  static of(clock: Clock): DueQueue {
    let q = DueQueue.queues.get(clock)
    if (!q) DueQueue.queues.set(clock, (q = new DueQueue(clock)))
    return q
  }

  /** Queues `p` for its `next` time. */
  add(p: Pacer): void {
    p.slot = this.heap.length
    this.heap.push(p)
    this.up(p.slot)
    this.arm()
  }

  /** Takes `p` out of the queue, if it is in it. */
  remove(p: Pacer): void {
    if (p.slot < 0) return
    this.take(p)
    this.arm()
  }

  private take(p: Pacer): void {
    const i = p.slot
    p.slot = -1
    const last = this.heap.pop()!
    if (i < this.heap.length) {
      this.heap[i] = last
      last.slot = i
      this.down(i)
      this.up(last.slot)
    }
  }

  private onTimer(): void {
    this.timer = undefined
    this.timerAt = Infinity
    // A real timer counts whole milliseconds and may fire up to one early by the clock's reading.
    const due = this.clock.now() + 1
    const heap = this.heap
    while (heap.length > 0 && heap[0]!.next <= due) {
      const p = heap[0]!
      this.take(p)
      p.run()
    }
    this.arm()
  }

  /** Sets the timer for the earliest loop, when it is not set for it already; none while empty. */
  private arm(): void {
    const first = this.heap[0]
    const at = first === undefined ? Infinity : first.next
    if (at === this.timerAt) return
    if (this.timer !== undefined) this.clock.cancel(this.timer)
    this.timer = undefined
    this.timerAt = at
    if (first !== undefined) this.timer = this.clock.after(at - this.clock.now(), this.fire)
  }

  private up(i: number): void {
    const heap = this.heap
    const p = heap[i]!
    while (i > 0) {
      const parent = (i - 1) >> 1
      const q = heap[parent]!
      if (q.next <= p.next) break
      heap[i] = q
      q.slot = i
      i = parent
    }
    heap[i] = p
    p.slot = i
  }

  private down(i: number): void {
    const heap = this.heap
    const n = heap.length
    const p = heap[i]!
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && heap[child + 1]!.next < heap[child]!.next) child++
      const c = heap[child]!
      if (p.next <= c.next) break
      heap[i] = c
      c.slot = i
      i = child
    }
    heap[i] = p
    p.slot = i
  }
}

/**
 * The state of one {@link paced} or {@link pacedWhileLinked} loop: an object in its clock's
 * {@link DueQueue}, where an async loop over clock.sleep kept about 3.5 KB per idle VU alive (async
 * frames, promises and their reactions, ~20 closures, a Timeout and an abort listener: heap
 * snapshot of chat at 1000 clients). It waits for the abort as an object ({@link AbortWaiter}), and
 * the callbacks of an iteration are made per iteration: they live milliseconds, not the VU's life.
 */
class Pacer {
  /** @internal Its place in the queue's heap while it waits for its time; -1 otherwise. */
  slot = -1
  private busy = false
  private ended = false
  private failure: unknown

  constructor(
    private readonly queue: DueQueue, private readonly periodMs: number, private readonly signal: AbortSignal, closed: Promise<Error> | undefined,
    private readonly vu: Paced, public next: number, private readonly resolve: () => void, private readonly reject: (err: unknown) => void,
  ) {
    onAbort(signal, this)
    closed?.then((err) => this.stop(err), noop)
    if (!this.ended) queue.add(this)
  }

  /** @internal Its time has come (the queue took it out). */
  run(): void {
    if (this.ended) return
    this.busy = true
    this.vu.iterate(this.queue.clock.now()).then(() => this.iterated(undefined), (err: unknown) => this.iterated(err ?? new Error('iteration failed')))
  }

  /** @internal The signal aborted (AbortWaiter). */
  onAbort(): void {
    this.stop(undefined)
  }

  private iterated(err: unknown): void {
    this.busy = false
    if (err !== undefined) this.stop(err)
    if (this.ended) return this.finish()
    this.next = Math.max(this.next + this.periodMs, this.queue.clock.now())
    this.queue.add(this)
  }

  private stop(err: unknown): void {
    if (this.ended) return
    this.ended = true
    this.failure = err
    offAbort(this.signal, this)
    this.queue.remove(this)
    if (!this.busy) this.finish()
  }

  private finish(): void {
    if (this.failure === undefined) this.resolve()
    else this.reject(this.failure)
  }
}
