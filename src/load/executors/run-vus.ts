import {setMaxListeners} from 'node:events'
import pLimit, {type LimitFunction} from 'p-limit'
import type {Clock} from '../clock.js'
import type {VuPlan} from './plan.js'
import {globalIndex, shareCount, type Share} from './share.js'
import type {VirtualUser, VuFactory} from './virtual-user.js'
import {isAbort, within} from './within.js'

/** Options of {@link runVus}. */
export interface RunVusOptions {
  clock: Clock
  share: Share
  /** Ends the run early, like reaching durationMs. */
  signal: AbortSignal
  /** Creates in flight at once. */
  rampConcurrency: number
  /** Clock time the scenario starts (the same on every worker); default: when called. */
  startMs?: number
  /** How often the target is re-read; default 100. */
  tickMs?: number
  onError(err: unknown, phase: 'create' | 'loop' | 'close'): void
  /** VUs running their loop, after every tick. */
  onVus?(active: number): void
}

/** A failed create, or a loop that ended, leaves its index alone this long. */
const RETRY_MS = 1000

/**
 * VUs sharing one stop signal. Shared, an AbortController costs a few bytes per VU instead of ~1 KB;
 * kept small because an EventTarget walks its whole listener list on every add and remove, and a
 * scenario may add one per sleep (clock.sleep with the loop's signal).
 */
const GROUP = 64

interface Slot {
  k: number
  state: 'idle' | 'creating' | 'active' | 'stopping'
  /** Set while the VU is open and ours to hand back. */
  vu?: VirtualUser
  /** Only for a VU the schedule may stop before the end; the others share the runner's. */
  loop?: AbortController
  /** With `loop`: settles once the loop ended and was accounted for. */
  loopDone?: Promise<void>
  retryAt: number
}

/**
 * Runs this worker's share of a closed-model plan: every tick it starts the missing VUs with
 * global index below the target (lowest first, through p-limit) and stops surplus ones (highest
 * first: abort the loop, wait for it at most gracefulRampDownMs, close). Failed creates and
 * loops that end are reported and their index retried a second later. At durationMs or on abort
 * it aborts every loop and waits for loops and creates at most gracefulStopMs, then resolves
 * with the VUs still open (not closed: the caller drains and closes them). Creates finishing
 * later are closed.
 *
 * What an idle VU costs here is kept to its slot, one reaction on its loop's promise and, only if
 * the plan may stop it before the end (plan.floorFrom), an AbortController: the others share one
 * signal, and no async frame stays suspended per VU.
 */
export async function runVus(plan: VuPlan, factory: VuFactory, o: RunVusOptions): Promise<VirtualUser[]> {
  return new VuRunner(plan, factory, o).run()
}

class VuRunner {
  readonly #slots: Slot[]
  readonly #limit: LimitFunction
  readonly #creates = new AbortController()
  readonly #createSignal: AbortSignal
  /** End the loops the schedule never stops early (aborted at the end), one per GROUP slots. */
  readonly #groups: AbortController[] = []
  readonly #startMs: number
  /** Creates, loops and stops not yet settled: the end waits for them. */
  #busy = 0
  #allSettled: (() => void) | undefined
  #target = 0
  #ended = false
  #settled = false

  constructor(private readonly plan: VuPlan, private readonly factory: VuFactory, private readonly o: RunVusOptions) {
    this.#slots = Array.from({length: shareCount(plan.maxVUs, o.share)}, (_, k): Slot => ({k, state: 'idle', retryAt: -Infinity}))
    this.#limit = pLimit(Math.max(1, Math.floor(o.rampConcurrency)))
    this.#createSignal = AbortSignal.any([o.signal, this.#creates.signal])
    this.#startMs = o.startMs ?? o.clock.now()
  }

  async run(): Promise<VirtualUser[]> {
    const {clock, signal} = this.o
    const tickMs = this.o.tickMs ?? 100
    while (!signal.aborted) {
      const elapsed = clock.now() - this.#startMs
      if (elapsed >= this.plan.durationMs) break
      if (elapsed >= 0) {
        this.#reconcile(elapsed)
        this.o.onVus?.(this.#slots.filter((s) => s.state === 'active').length)
      }
      // Ticks sit on a grid from the start so they do not drift with slow callbacks.
      const next = Math.min(elapsed < 0 ? 0 : (Math.floor(elapsed / tickMs) + 1) * tickMs, this.plan.durationMs)
      try {
        await clock.sleep(this.#startMs + next - clock.now(), signal)
      } catch {
        break
      }
    }
    return this.#end()
  }

  #reconcile(elapsed: number): void {
    this.#target = Math.min(shareCount(this.plan.vusAt(elapsed), this.o.share), this.#slots.length)
    for (let k = this.#slots.length - 1; k >= this.#target; k--) {
      const slot = this.#slots[k]!
      if (slot.state === 'active') this.#stop(slot)
    }
    const now = this.o.clock.now()
    for (let k = 0; k < this.#target; k++) {
      const slot = this.#slots[k]!
      if (slot.state === 'idle' && slot.retryAt <= now) this.#create(slot)
    }
  }

  #track(work: Promise<void>): void {
    this.#busy++
    void work.then(this.#settle, this.#settle)
  }

  readonly #settle = (): void => {
    if (--this.#busy === 0) this.#allSettled?.()
  }

  #idle(): Promise<void> {
    return this.#busy === 0 ? Promise.resolve() : new Promise((resolve) => (this.#allSettled = resolve))
  }

  #create(slot: Slot): void {
    slot.state = 'creating'
    this.#track(this.#limit(async () => {
      // Queued behind slower creates: the target may have dropped or the run ended meanwhile.
      if (this.#ended || slot.k >= this.#target) {
        slot.state = 'idle'
        return
      }
      let vu: VirtualUser
      try {
        vu = await this.factory.create(globalIndex(slot.k, this.o.share), this.#createSignal)
      } catch (err) {
        slot.state = 'idle'
        slot.retryAt = this.o.clock.now() + RETRY_MS
        if (!isAbort(err, this.#createSignal)) this.o.onError(err, 'create')
        return
      }
      if (this.#settled) {
        slot.state = 'idle'
        await this.#close(vu, 0)
      } else if (this.#ended) {
        slot.vu = vu
        slot.state = 'active'
      } else if (slot.k >= this.#target) {
        slot.state = 'stopping'
        await this.#close(vu, this.plan.gracefulRampDownMs)
        slot.state = 'idle'
      } else {
        this.#startLoop(slot, vu)
      }
    }))
  }

  #startLoop(slot: Slot, vu: VirtualUser): void {
    const stoppable = slot.k >= shareCount(this.plan.floorFrom(this.o.clock.now() - this.#startMs), this.o.share)
    const own = stoppable ? new AbortController() : undefined
    const signal = own?.signal ?? this.#groupSignal(slot.k)
    slot.vu = vu
    slot.loop = own
    slot.state = 'active'
    this.#busy++
    let loop: Promise<void>
    try {
      loop = vu.loop(signal)
    } catch (err) {
      loop = Promise.reject(err)
    }
    const done = loop.then(() => this.#loopEnded(slot, vu, signal), (err: unknown) => {
      if (!isAbort(err, signal)) this.o.onError(err, 'loop')
      return this.#loopEnded(slot, vu, signal)
    })
    if (own) slot.loopDone = done
  }

  #groupSignal(k: number): AbortSignal {
    const g = Math.floor(k / GROUP)
    let group = this.#groups[g]
    if (!group) {
      group = this.#groups[g] = new AbortController()
      // A group's loops may each listen (clock.sleep with the signal): no leak warning at 11.
      setMaxListeners(GROUP * 4, group.signal)
    }
    return group.signal
  }

  /** Accounts for a loop that ended; one that ended on its own (gave up, threw) is closed and its index connected again later. */
  #loopEnded(slot: Slot, vu: VirtualUser, signal: AbortSignal): void | Promise<void> {
    if (signal.aborted || this.#ended) return this.#settle()
    slot.state = 'stopping'
    slot.vu = undefined
    slot.loop = undefined
    slot.loopDone = undefined
    return this.#close(vu, this.plan.gracefulRampDownMs).then(() => {
      slot.state = 'idle'
      slot.retryAt = this.o.clock.now() + RETRY_MS
      this.#settle()
    })
  }

  #stop(slot: Slot): void {
    const vu = slot.vu
    slot.state = 'stopping'
    slot.vu = undefined
    const loopDone = slot.loopDone
    slot.loop?.abort()
    slot.loop = undefined
    slot.loopDone = undefined
    const grace = this.plan.gracefulRampDownMs
    this.#track((async () => {
      if (loopDone) await within(this.o.clock, grace, loopDone)
      if (vu) await this.#close(vu, grace)
      slot.state = 'idle'
    })())
  }

  async #close(vu: VirtualUser, graceMs: number): Promise<void> {
    try {
      await vu.close(graceMs)
    } catch (err) {
      this.o.onError(err, 'close')
    }
  }

  async #end(): Promise<VirtualUser[]> {
    this.#ended = true
    for (const group of this.#groups) group?.abort()
    for (const slot of this.#slots) slot.loop?.abort()
    await within(this.o.clock, this.plan.gracefulStopMs, this.#idle())
    this.#settled = true
    this.#creates.abort()
    return this.#slots.flatMap((s) => (s.vu && s.state === 'active' ? [s.vu] : []))
  }
}
