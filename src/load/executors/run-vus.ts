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

interface Slot {
  k: number
  state: 'idle' | 'creating' | 'active' | 'stopping'
  /** Set while the VU is open and ours to hand back. */
  vu?: VirtualUser
  loop?: AbortController
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
 */
export async function runVus(plan: VuPlan, factory: VuFactory, o: RunVusOptions): Promise<VirtualUser[]> {
  return new VuRunner(plan, factory, o).run()
}

class VuRunner {
  readonly #slots: Slot[]
  readonly #work = new Set<Promise<void>>()
  readonly #limit: LimitFunction
  readonly #creates = new AbortController()
  readonly #createSignal: AbortSignal
  readonly #startMs: number
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
    this.#work.add(work)
    void work.finally(() => this.#work.delete(work))
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
    const loop = new AbortController()
    slot.vu = vu
    slot.loop = loop
    slot.state = 'active'
    const done = (async () => {
      try {
        await vu.loop(loop.signal)
      } catch (err) {
        if (!isAbort(err, loop.signal)) this.o.onError(err, 'loop')
      }
      // Ended on its own (gave up, or threw): close it and connect that index again later.
      if (!loop.signal.aborted && !this.#ended) {
        slot.state = 'stopping'
        slot.vu = undefined
        await this.#close(vu, this.plan.gracefulRampDownMs)
        slot.state = 'idle'
        slot.retryAt = this.o.clock.now() + RETRY_MS
      }
    })()
    slot.loopDone = done
    this.#track(done)
  }

  #stop(slot: Slot): void {
    const vu = slot.vu
    slot.state = 'stopping'
    slot.vu = undefined
    slot.loop?.abort()
    const grace = this.plan.gracefulRampDownMs
    this.#track((async () => {
      if (slot.loopDone) await within(this.o.clock, grace, slot.loopDone)
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
    for (const slot of this.#slots) slot.loop?.abort()
    await within(this.o.clock, this.plan.gracefulStopMs, Promise.all(this.#work))
    this.#settled = true
    this.#creates.abort()
    return this.#slots.flatMap((s) => (s.vu && s.state === 'active' ? [s.vu] : []))
  }
}
