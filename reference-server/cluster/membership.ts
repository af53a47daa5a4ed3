import type {RedisBackend} from '../store/redis-backend.js'
import type {GroupMember} from './group-member.js'

export interface MembershipOptions {
  /** How often the node reports itself and reads the others (ms); default 1000. */
  intervalMs?: number
  /** A member whose last report is older is dropped from the answer (ms); default 3000. */
  ttlMs?: number
}

/**
 * The nodes of a server group that share one Redis (PROTOCOL.md §2.5): each reports its addresses
 * and load every `intervalMs` under a key that expires after `ttlMs`, in a sorted set scored by
 * report time; each reads every live member at the same pace. A node that stops reporting (killed,
 * stalled, cut off from Redis) drops out of every scheduler's answer within `ttlMs` + `intervalMs`.
 */
export class Membership {
  private members: readonly GroupMember[]
  private timer: NodeJS.Timeout | undefined
  private readonly intervalMs: number
  private readonly ttlMs: number
  private readonly index: string

  constructor(private readonly backend: RedisBackend, private readonly self: () => GroupMember, options: MembershipOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000
    this.ttlMs = options.ttlMs ?? 3000
    this.index = backend.key('members')
    this.members = [self()]
  }

  /** Reports this node and reads the others; then keeps doing so until close(). */
  async start(): Promise<void> {
    await this.tick()
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.intervalMs)
    this.timer.unref()
  }

  /** The live members, this node always among them (it knows it is alive). */
  view(): readonly GroupMember[] {
    return this.members
  }

  /**
   * Whether `node` is a live member: known from the last read, or reporting since (a node that
   * joined less than a tick ago). Its report's key expires when it stops reporting.
   */
  async isLive(node: string): Promise<boolean> {
    if (this.members.some((m) => m.node === node)) return true
    return (await this.backend.client.exists(this.backend.key('member', node))) === 1
  }

  private async tick(): Promise<void> {
    const me = this.self()
    const now = Date.now()
    const {client} = this.backend
    await client.multi()
      .set(this.backend.key('member', me.node), JSON.stringify(me), 'PX', this.ttlMs)
      .zadd(this.index, now, me.node)
      .zremrangebyscore(this.index, '-inf', now - this.ttlMs)
      .exec()
    const nodes = await client.zrangebyscore(this.index, now - this.ttlMs, '+inf')
    const reports = nodes.length ? await client.mget(nodes.map((n) => this.backend.key('member', n))) : []
    const others = reports.flatMap((r) => {
      if (!r) return []
      const m = JSON.parse(r) as GroupMember
      return m.node === me.node ? [] : [m]
    })
    this.members = [me, ...others].sort((a, b) => (a.node < b.node ? -1 : 1))
  }

  /** Stops reporting and leaves at once, so schedulers drop the node before its key expires. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    const node = this.self().node
    await this.backend.client.multi().del(this.backend.key('member', node)).zrem(this.index, node).exec().catch(() => undefined)
  }
}
