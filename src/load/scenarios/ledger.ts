import {SeenSet} from '../../common/seen-set.js'
import {joinedCounter} from '../metrics/joined-counter.js'

/**
 * A chat message's identity, unique in the run: the sender's global index, the sender's
 * incarnation (a new one whenever that virtual client starts again: a reconnect after a lost
 * link, a restart of the VU) and n, counting from 0 within the incarnation. `scope` keeps the
 * scenarios of one profile apart (their indices overlap).
 */
export interface MessageId {
  scope: string
  sender: number
  incarnation: number
  n: number
}

/**
 * What a receiver makes of a delivery: `duplicate` when this life of the receiver held the message
 * already (the server delivered it twice: PROTOCOL.md §6.8 forbids it), `redelivered` when an
 * earlier life of the receiver held it (allowed: a new client SYNCs from an epoch-0 key and gets
 * what the server retains, including what its predecessor pulled but never acknowledged),
 * `reordered` when a later message of its conversation came first, `first` otherwise.
 */
export type Delivery = 'first' | 'reordered' | 'redelivered' | 'duplicate'

/**
 * What one worker saw of chat messages, by conversation (`scope|sender.incarnation`): the runs of
 * n acknowledged to the sender and of n delivered to the receiver (SeenSet.toRuns).
 */
export interface LedgerReport {
  acked: Array<[conversation: string, runs: number[]]>
  delivered: Array<[conversation: string, runs: number[]]>
}

/** The conversation a message belongs to: one sender incarnation to its receiver. */
export function conversationOf(id: Omit<MessageId, 'n'>): string {
  return `${id.scope}|${id.sender}.${id.incarnation}`
}

/**
 * Bookkeeping for `lost`, `duplicates` and `reordered`. The sender's worker records
 * acknowledgements, the receiver's worker deliveries; sender and receiver may live in different
 * workers, so only the coordinator can join the two (countLost). Each conversation keeps two
 * SeenSets, whose memory grows with holes (losses), not with the messages counted.
 */
export class Ledger {
  /**
   * Everything about a conversation under one key: one string and one map entry per conversation,
   * not three (acks, deliveries, deliveries by receiver), ~250 bytes less per chat client.
   */
  private readonly conversations = new Map<string, Conversation>()

  acked(id: MessageId): void {
    const c = this.conversation(id)
    ;(c.acks ??= new SeenSet()).add(id.n)
  }

  /** Records a delivery to `receiverIncarnation` (the receiving client's life; see {@link Delivery}). */
  delivered(id: MessageId, receiverIncarnation = 0): Delivery {
    const c = this.conversation(id)
    if (!c.receivedBy(receiverIncarnation).add(id.n)) return 'duplicate'
    const set = (c.deliveries ??= new SeenSet())
    const max = set.max
    if (!set.add(id.n)) return 'redelivered'
    return max !== undefined && id.n < max ? 'reordered' : 'first'
  }

  report(): LedgerReport {
    const out: LedgerReport = {acked: [], delivered: []}
    for (const [key, c] of this.conversations) {
      if (c.acks) out.acked.push([key, c.acks.toRuns()])
      if (c.deliveries) out.delivered.push([key, c.deliveries.toRuns()])
    }
    return out
  }

  private conversation(id: MessageId): Conversation {
    const key = conversationOf(id)
    let c = this.conversations.get(key)
    if (!c) this.conversations.set(key, (c = new Conversation()))
    return c
  }
}

/** One conversation's books: what was acknowledged, delivered, and delivered to each receiver life. */
class Conversation {
  acks: SeenSet | undefined
  deliveries: SeenSet | undefined
  /** The receiver life seen last and its deliveries; earlier lives' in `earlier` (a receiver that started again). */
  private receiver = -1
  private byReceiver: SeenSet | undefined
  private earlier: Map<number, SeenSet> | undefined

  /** The deliveries to receiver life `incarnation`. */
  receivedBy(incarnation: number): SeenSet {
    if (incarnation === this.receiver) return this.byReceiver!
    if (this.byReceiver) (this.earlier ??= new Map()).set(this.receiver, this.byReceiver)
    this.receiver = incarnation
    this.byReceiver = this.earlier?.get(incarnation) ?? new SeenSet()
    this.earlier?.delete(incarnation)
    return this.byReceiver
  }
}

function setOf(map: Map<string, SeenSet>, key: string): SeenSet {
  let set = map.get(key)
  if (!set) map.set(key, (set = new SeenSet()))
  return set
}

/** Messages acknowledged by the server but delivered to no receiver, over every worker's report. */
export function countLost(reports: readonly LedgerReport[]): number {
  const join = (pick: (r: LedgerReport) => LedgerReport['acked']): Map<string, SeenSet> => {
    const out = new Map<string, SeenSet>()
    for (const r of reports) for (const [c, runs] of pick(r)) setOf(out, c).addRuns(runs)
    return out
  }
  const delivered = join((r) => r.delivered)
  const none = new SeenSet()
  let lost = 0
  for (const [c, acked] of join((r) => r.acked)) lost += acked.countNotIn(delivered.get(c) ?? none)
  return lost
}

/**
 * `lost`, which only the coordinator can count: each worker's tally is its Ledger, and the
 * coordinator joins every worker's report after the drain. A scenario that feeds the ledger
 * (`ctx.tallies.of(LEDGER_LOST)`) declares it among its metrics.
 */
export const LEDGER_LOST = joinedCounter('lost', 'acknowledged by the server (or, with an adapter whose protocol has no acknowledgements, handed to the connection) but never delivered by the end of the drain', {
  tally: () => new Ledger(),
  report: (ledger) => ledger.report(),
  join: countLost,
})
