import type {SendMsgReply} from '../../src/protocol/index.js'

/** Reply fields per remembered message in {@link DedupWindow}'s array: serverMsgId, seq, sendTime. */
const STRIDE = 3
/** Slots a new sender's window starts with; it doubles up to its capacity as the sender sends. */
const FIRST_SLOTS = 64

/**
 * One sender's most recent clientMsgIds and the reply each got (PROTOCOL.md §6.2), oldest
 * forgotten first. The replies' numbers sit in one Float64Array, not an object each: at the
 * window §6.2 asks for (10,000 per sender) a reply object, its serverMsgId string and its sendTime
 * (a heap number) per message all outlived the young generation, so every message promoted three
 * objects that scavenges copied and the old generation's marking walked; now a message keeps a
 * Map entry of its clientMsgId. serverMsgIds must be decimal integers (the memory store's are).
 */
export class DedupWindow {
  /** clientMsgId → slot, in the order remembered: the first key is the oldest. */
  private readonly slots = new Map<string, number>()
  private replies: Float64Array
  /** Messages remembered since the start; the next one's slot is this modulo the capacity. */
  private added = 0

  constructor(private readonly capacity: number) {
    this.replies = new Float64Array(Math.min(capacity, FIRST_SLOTS) * STRIDE)
  }

  /** The reply first given to `clientMsgId`, when it is still remembered. */
  get(clientMsgId: string): SendMsgReply | undefined {
    const slot = this.slots.get(clientMsgId)
    if (slot === undefined) return undefined
    const at = slot * STRIDE
    const r = this.replies
    return {serverMsgId: String(r[at]), seq: r[at + 1]!, sendTime: r[at + 2]!}
  }

  /** Remembers a new clientMsgId's reply; past the capacity the oldest is forgotten. */
  add(clientMsgId: string, reply: SendMsgReply): void {
    // Forgotten first: the oldest's slot is the one the new message takes.
    if (this.slots.size >= this.capacity) this.slots.delete(this.slots.keys().next().value!)
    const slot = this.added++ % this.capacity
    if (slot * STRIDE >= this.replies.length) {
      const grown = new Float64Array(Math.min(this.capacity, (this.replies.length / STRIDE) * 2) * STRIDE)
      grown.set(this.replies)
      this.replies = grown
    }
    const at = slot * STRIDE
    this.replies[at] = Number(reply.serverMsgId)
    this.replies[at + 1] = reply.seq
    this.replies[at + 2] = reply.sendTime
    this.slots.set(clientMsgId, slot)
  }
}
