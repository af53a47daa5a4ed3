import {randomUUID} from 'node:crypto'

/** A bottle in the pool (PROTOCOL.md §14). */
export interface StoredBottle {
  bottleId: string
  thrower: string
  content: string
  throwTime: number
}

/** Who picked a bottle, and whose it was: what BOTTLE_REPLY needs. */
export interface PickRecord {
  bottleId: string
  picker: string
  thrower: string
}

/**
 * The drift-bottle pool. Async so that a shared store can stand in; `take` must be atomic there
 * too (a Lua script or SPOP in Redis): a bottle is handed to one picker only.
 */
export interface BottleStore {
  add(thrower: string, content: string, throwTime: number): Promise<StoredBottle>
  /** Removes a random bottle not thrown by `picker` and remembers the pick; null when none. */
  take(picker: string): Promise<StoredBottle | null>
  /** The pick of `bottleId`, while it is remembered. */
  pickOf(bottleId: string): Promise<PickRecord | undefined>
}

export interface MemoryBottleStoreOptions {
  /** Bottles the pool holds; beyond it the oldest is dropped. */
  maxBottles?: number
  /** Picks remembered for replies; beyond it the oldest is forgotten. */
  maxPicks?: number
  random?: () => number
}

export const DEFAULT_MAX_BOTTLES = 10_000
export const DEFAULT_MAX_PICKS = 10_000

export class MemoryBottleStore implements BottleStore {
  /** Insertion order is throw order: the first key is the oldest bottle. */
  private readonly pool = new Map<string, StoredBottle>()
  /** The same ids, unordered, for O(1) random choice and swap-removal. */
  private readonly ids: string[] = []
  private readonly index = new Map<string, number>()
  private readonly picks = new Map<string, PickRecord>()
  private readonly maxBottles: number
  private readonly maxPicks: number
  private readonly random: () => number

  constructor(options: MemoryBottleStoreOptions = {}) {
    this.maxBottles = options.maxBottles ?? DEFAULT_MAX_BOTTLES
    this.maxPicks = options.maxPicks ?? DEFAULT_MAX_PICKS
    this.random = options.random ?? Math.random
  }

  get size(): number {
    return this.pool.size
  }

  async add(thrower: string, content: string, throwTime: number): Promise<StoredBottle> {
    const bottle: StoredBottle = {bottleId: randomUUID(), thrower, content, throwTime}
    this.pool.set(bottle.bottleId, bottle)
    this.index.set(bottle.bottleId, this.ids.length)
    this.ids.push(bottle.bottleId)
    while (this.pool.size > this.maxBottles) this.remove(this.pool.keys().next().value!)
    return bottle
  }

  async take(picker: string): Promise<StoredBottle | null> {
    // Synchronous from here: no other take can interleave, so the bottle goes to one picker.
    const n = this.ids.length
    if (n === 0) return null
    const start = Math.floor(this.random() * n)
    for (let i = 0; i < n; i++) {
      const bottle = this.pool.get(this.ids[(start + i) % n]!)!
      if (bottle.thrower === picker) continue
      this.remove(bottle.bottleId)
      this.picks.set(bottle.bottleId, {bottleId: bottle.bottleId, picker, thrower: bottle.thrower})
      if (this.picks.size > this.maxPicks) this.picks.delete(this.picks.keys().next().value!)
      return bottle
    }
    return null
  }

  async pickOf(bottleId: string): Promise<PickRecord | undefined> {
    return this.picks.get(bottleId)
  }

  private remove(bottleId: string): void {
    const i = this.index.get(bottleId)
    if (i === undefined) return
    const last = this.ids.pop()!
    if (last !== bottleId) {
      this.ids[i] = last
      this.index.set(last, i)
    }
    this.index.delete(bottleId)
    this.pool.delete(bottleId)
  }
}
