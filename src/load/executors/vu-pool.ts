import pLimit, {type LimitFunction} from 'p-limit'
import {globalIndex, shareCount, type Share} from './share.js'
import type {VirtualUser, VuFactory} from './virtual-user.js'

/**
 * The open-model VUs of one worker: free ones are handed out least recently used first (round
 * robin), and the pool grows on demand up to this worker's share of `maxVUs`.
 */
export class VuPool {
  readonly #factory: VuFactory
  readonly #share: Share
  readonly #limit: LimitFunction
  readonly #max: number
  readonly #open: VirtualUser[] = []
  readonly #busy = new Set<VirtualUser>()
  // A queue as array + head: shift() would copy the array on every take with many VUs.
  #free: VirtualUser[] = []
  #head = 0
  #creating = 0
  #nextK = 0
  readonly #failedKs: number[] = []
  #sealed = false

  constructor(factory: VuFactory, share: Share, maxVUs: number, rampConcurrency: number) {
    this.#factory = factory
    this.#share = share
    this.#max = shareCount(maxVUs, share)
    this.#limit = pLimit(Math.max(1, Math.floor(rampConcurrency)))
  }

  /** The open VUs (busy or not). */
  get vus(): VirtualUser[] {
    return [...this.#open]
  }

  get size(): number {
    return this.#open.length
  }

  get busy(): number {
    return this.#busy.size
  }

  get creating(): number {
    return this.#creating
  }

  /** This worker's share of maxVUs. */
  get max(): number {
    return this.#max
  }

  /** A free VU, now marked busy; undefined when all are busy. */
  take(): VirtualUser | undefined {
    if (this.#head >= this.#free.length) return undefined
    const vu = this.#free[this.#head++]!
    if (this.#head > 1024 && this.#head * 2 > this.#free.length) {
      this.#free = this.#free.slice(this.#head)
      this.#head = 0
    }
    this.#busy.add(vu)
    return vu
  }

  /** Gives a VU taken with {@link take} back. */
  release(vu: VirtualUser): void {
    if (this.#busy.delete(vu)) this.#free.push(vu)
  }

  canGrow(): boolean {
    return !this.#sealed && this.#open.length + this.#creating < this.#max
  }

  /**
   * Creates one more VU (through the ramp-concurrency limit) with an unused index of this share,
   * indices of failed creates first; it joins the free VUs. Rejects with the factory's error.
   * Resolves undefined when the pool is full or sealed (a VU arriving after {@link seal} is closed).
   */
  async grow(signal: AbortSignal): Promise<VirtualUser | undefined> {
    if (!this.canGrow()) return undefined
    const k = this.#failedKs.length > 0 ? this.#failedKs.pop()! : this.#nextK++
    this.#creating++
    let vu: VirtualUser | undefined
    try {
      vu = await this.#limit(() => (this.#sealed ? undefined : this.#factory.create(globalIndex(k, this.#share), signal)))
    } catch (err) {
      this.#failedKs.push(k)
      throw err
    } finally {
      this.#creating--
    }
    if (vu === undefined) {
      this.#failedKs.push(k)
      return undefined
    }
    if (this.#sealed) {
      // It never ran an iteration, so there is nothing to finish and nobody to tell.
      await vu.close(0).catch(() => undefined)
      return undefined
    }
    this.#open.push(vu)
    this.#free.push(vu)
    return vu
  }

  /** The run is over: VUs still being created are closed when they arrive, not added. */
  seal(): void {
    this.#sealed = true
  }
}
