import {randomUUID} from 'node:crypto'
import type {RedisBackend} from '../store/redis-backend.js'
import type {LinkDirectory, LinkPeer, LinkPresence} from './link-peer.js'

/** How long a link's presence lives in Redis unless its node refreshes it (every third of this). */
export const PRESENCE_TTL_MS = 30_000

/** A push on its way to a link of another node. */
interface RemotePush {
  userId: string
  key: string
  cmd: number
  body: unknown
}

// Compare-and-act: the entry may have been taken over by a newer login on another node between a
// GET and a DEL (or PEXPIRE), and that node's entry must survive.
const DEL_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`
const EXPIRE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`

/**
 * The authenticated long links of every node of a server group that shares one Redis
 * (PROTOCOL.md §2.5): each node keeps its own links in `local`, says in Redis which node holds
 * each user's link (`link:<userId>` → `nodeId key`, with a TTL its node refreshes, so a killed
 * node's entries lapse), and carries pushes for a link of another node over that node's pub/sub
 * channel. A user whose link is on this node is found without Redis.
 */
export class ClusterLinks implements LinkDirectory, LinkPresence {
  readonly nodeId = randomUUID()
  private unsubscribe: (() => void) | undefined
  private refresher: NodeJS.Timeout | undefined

  constructor(
    private readonly backend: RedisBackend,
    /** This node's links by user: the long node's map. */
    private readonly local: ReadonlyMap<string, LinkPeer>,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {}

  /** Subscribes to this node's channel; awaited before the server listens. */
  async ready(): Promise<void> {
    this.unsubscribe = await this.backend.subscribe(`links:${this.nodeId}`, (message) => this.deliver(message))
    this.refresher = setInterval(() => void this.refresh().catch(() => undefined), Math.max(100, Math.floor(this.ttlMs / 3)))
    this.refresher.unref()
  }

  async lookup(userId: string): Promise<LinkPeer | undefined> {
    const here = this.local.get(userId)
    if (here) return here
    const entry = await this.backend.client.get(this.entryKey(userId))
    if (!entry) return undefined
    const [nodeId, key] = entry.split(' ')
    if (!nodeId || !key || nodeId === this.nodeId) return undefined
    return {
      key,
      userId,
      push: (cmd, body) => {
        const push: RemotePush = {userId, key, cmd, body}
        this.backend.publish(`links:${nodeId}`, JSON.stringify(push)).catch(() => undefined)
      },
    }
  }

  /** A link authenticated on this node: it is the user's link now, on every node. */
  async registered(peer: LinkPeer): Promise<void> {
    if (peer.userId === undefined) return
    await this.backend.client.set(this.entryKey(peer.userId), this.entryOf(peer), 'PX', this.ttlMs)
  }

  /** A link of this node closed: its entry goes unless a newer login has replaced it. */
  unregistered(peer: LinkPeer): void {
    if (peer.userId === undefined) return
    this.backend.client.eval(DEL_IF_SAME, 1, this.entryKey(peer.userId), this.entryOf(peer)).catch(() => undefined)
  }

  async close(): Promise<void> {
    clearInterval(this.refresher)
    this.unsubscribe?.()
    // The links close with the node; their entries go now rather than at their TTL.
    await Promise.all([...this.local.values()].map((peer) => (peer.userId === undefined ? undefined : this.backend.client.eval(DEL_IF_SAME, 1, this.entryKey(peer.userId), this.entryOf(peer)).catch(() => undefined))))
  }

  private deliver(message: string): void {
    let push: RemotePush
    try {
      push = JSON.parse(message) as RemotePush
    } catch {
      return
    }
    const peer = this.local.get(push.userId)
    // The link may have gone, or a newer one of the user taken its place, since the look-up.
    if (peer?.key === push.key) peer.push(push.cmd, push.body)
  }

  private async refresh(): Promise<void> {
    const pipeline = this.backend.client.pipeline()
    for (const peer of this.local.values()) {
      if (peer.userId !== undefined) pipeline.eval(EXPIRE_IF_SAME, 1, this.entryKey(peer.userId), this.entryOf(peer), this.ttlMs)
    }
    await pipeline.exec()
  }

  private entryKey(userId: string): string {
    return this.backend.key('link', userId)
  }

  private entryOf(peer: LinkPeer): string {
    return `${this.nodeId} ${peer.key}`
  }
}
