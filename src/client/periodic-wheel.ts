/** What a {@link PeriodicWheel} calls once a period. */
export interface Periodic {
  /** Must not throw: it runs inside the wheel's timer, among the other members. */
  onPeriod(): void
}

/** Slots per period: a member's call comes within period / SLOTS of its time (78 ms of a 5 s heartbeat). */
const SLOTS = 64
const MIN_SLOT_MS = 10
const wheels = new Map<number, PeriodicWheel>()

/**
 * One timer for everything in a process that repeats with the same period. Members sit in the
 * slot of the time they joined, and each slot's members are called when the wheel passes it, once
 * a period: thousands of clients' heartbeats cost a set entry each, not a Timeout and a closure.
 * The first call comes one period after joining, and each next one a period later, within a slot;
 * a late timer runs every slot it passed, but no member more than once per turn. The timer runs
 * while there are members.
 */
export class PeriodicWheel {
  private readonly slots: Set<Periodic>[]
  private readonly slotMs: number
  /** The slot that runs next, and when it is due (performance.now() time). */
  private next = 0
  private nextAt = 0
  private members = 0
  private timer: NodeJS.Timeout | undefined

  constructor(readonly periodMs: number) {
    if (!(periodMs > 0)) throw new RangeError(`PeriodicWheel: period must be > 0 ms, got ${periodMs}`)
    const count = Math.max(1, Math.min(SLOTS, Math.floor(periodMs / MIN_SLOT_MS)))
    this.slotMs = periodMs / count
    this.slots = Array.from({length: count}, () => new Set<Periodic>())
  }

  /** The process's wheel for this period. */
  static of(periodMs: number): PeriodicWheel {
    let wheel = wheels.get(periodMs)
    if (!wheel) wheels.set(periodMs, (wheel = new PeriodicWheel(periodMs)))
    return wheel
  }

  get size(): number {
    return this.members
  }

  /** Calls `member.onPeriod()` once a period from now on; adding a member twice is adding it once. */
  add(member: Periodic): void {
    if (this.members === 0) this.start()
    // The slot that ran last comes round again one period after it ran: just under a period from now.
    const slot = this.slots[(this.next + this.slots.length - 1) % this.slots.length]!
    if (slot.has(member)) return
    for (const s of this.slots) if (s.has(member)) return
    slot.add(member)
    this.members++
  }

  /** Stops calling `member`; false when it was not a member. */
  delete(member: Periodic): boolean {
    for (const s of this.slots) {
      if (!s.delete(member)) continue
      if (--this.members === 0) this.stop()
      return true
    }
    return false
  }

  private start(): void {
    this.nextAt = performance.now() + this.slotMs
    this.timer = setInterval(() => this.turn(), this.slotMs)
  }

  private stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Runs every slot due by now, at most one turn of the wheel. */
  private turn(): void {
    const now = performance.now()
    for (let run = 0; this.nextAt <= now + 1 && run < this.slots.length; run++) {
      const slot = this.slots[this.next]!
      this.next = (this.next + 1) % this.slots.length
      this.nextAt += this.slotMs
      // A copy, so that a member that leaves and joins again during the calls runs once; one that
      // left (another member closed it) does not run.
      if (slot.size > 0) for (const member of [...slot]) if (slot.has(member)) member.onPeriod()
    }
    if (this.nextAt <= now) this.nextAt = now + this.slotMs
  }
}
