/** What the deadline sweep asks of a long link: to time out what is due, and when it must look again. */
export interface DeadlineHolder {
  /** Rejects the requests due by `now`; the earliest deadline left, or undefined when none waits. */
  expireDue(now: number): number | undefined
}

/**
 * The deadlines of every long link's requests in this process, behind one timer: a request costs
 * a deadline field, not a Timeout armed and cleared (a timer per request was an object, a closure
 * and two timer-list operations per frame on the chat path). The timer is set for the earliest
 * deadline it has been told of; when it fires it asks every link that had a request waiting for
 * what is due and sets itself for the earliest deadline left. Replies are not reported here: a
 * link answered meanwhile just reports nothing due, so a busy process sweeps about once per
 * request timeout, however many requests it makes. Times are `performance.now()` ms.
 */
export class RequestDeadlines {
  private readonly holders = new Set<DeadlineHolder>()
  private timer: NodeJS.Timeout | undefined
  private due = Number.POSITIVE_INFINITY

  /** `holder` has a request due at `deadline`. */
  watch(holder: DeadlineHolder, deadline: number): void {
    this.holders.add(holder)
    if (deadline < this.due) this.arm(deadline)
  }

  /** `holder` has nothing waiting any more (it closed): no need to ask it. */
  forget(holder: DeadlineHolder): void {
    this.holders.delete(holder)
  }

  /** Links asked at the next sweep (tests). */
  get watched(): number {
    return this.holders.size
  }

  private arm(deadline: number): void {
    this.due = deadline
    if (this.timer) clearTimeout(this.timer)
    // At least 1 ms: the loop's clock may run a little behind performance.now(), and a sweep
    // that finds its deadline not quite due sets itself again rather than spinning.
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(deadline - performance.now())))
    // The link's socket keeps the process alive while a request waits; this timer need not.
    this.timer.unref()
  }

  private readonly sweep = (): void => {
    this.timer = undefined
    this.due = Number.POSITIVE_INFINITY
    const now = performance.now()
    let next = Number.POSITIVE_INFINITY
    for (const holder of this.holders) {
      const left = holder.expireDue(now)
      if (left === undefined) this.holders.delete(holder)
      else if (left < next) next = left
    }
    if (next < this.due) this.arm(next)
  }
}

/** The process's one sweep, shared by every LongLink. */
export const REQUEST_DEADLINES = new RequestDeadlines()
