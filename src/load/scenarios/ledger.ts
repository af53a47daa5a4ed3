import {joinedCounter} from '../metrics/joined-counter.js'

/** What one worker saw of chat messages: acknowledged sends and deliveries, per sender index. */
export interface LedgerReport {
  acked: Array<[sender: number, ns: number[]]>
  delivered: Array<[sender: number, ns: number[]]>
}

/**
 * Bookkeeping for `lost` and `duplicates`. Every chat message carries (sender index, n); the
 * sender's worker records acknowledgements, the receiver's worker deliveries. Sender and receiver
 * may live in different workers, so only the coordinator can join the two (countLost).
 */
export class Ledger {
  private readonly ackedBy = new Map<number, number[]>()
  private readonly deliveredBy = new Map<number, Set<number>>()

  acked(sender: number, n: number): void {
    let list = this.ackedBy.get(sender)
    if (!list) this.ackedBy.set(sender, (list = []))
    list.push(n)
  }

  /** Records a delivery; false when this message was delivered before (a duplicate). */
  delivered(sender: number, n: number): boolean {
    let set = this.deliveredBy.get(sender)
    if (!set) this.deliveredBy.set(sender, (set = new Set()))
    if (set.has(n)) return false
    set.add(n)
    return true
  }

  report(): LedgerReport {
    return {
      acked: [...this.ackedBy].map(([s, ns]) => [s, ns]),
      delivered: [...this.deliveredBy].map(([s, ns]) => [s, [...ns]]),
    }
  }
}

/** Messages acknowledged by the server but delivered to no receiver, over every worker's report. */
export function countLost(reports: readonly LedgerReport[]): number {
  const delivered = new Map<number, Set<number>>()
  for (const r of reports) {
    for (const [s, ns] of r.delivered) {
      let set = delivered.get(s)
      if (!set) delivered.set(s, (set = new Set()))
      for (const n of ns) set.add(n)
    }
  }
  let lost = 0
  for (const r of reports) {
    for (const [s, ns] of r.acked) {
      const set = delivered.get(s)
      for (const n of ns) if (!set?.has(n)) lost++
    }
  }
  return lost
}

/**
 * `lost`, which only the coordinator can count: each worker's tally is its Ledger, and the
 * coordinator joins every worker's report after the drain. A scenario that feeds the ledger
 * (`ctx.tallies.of(LEDGER_LOST)`) declares it among its metrics.
 */
export const LEDGER_LOST = joinedCounter('lost', 'acknowledged by the server but never delivered by the end of the drain', {
  tally: () => new Ledger(),
  report: (ledger) => ledger.report(),
  join: countLost,
})
