import type {RedisBackend} from '../store/redis-backend.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'
import type {LinkDirectory, LinkPeer, LinkPresence} from './link-peer.js'

/**
 * A bound on a link's entry: whether the link is live is its node's (membership), so entries are
 * never refreshed; this only keeps the entries of a node killed with links on it from piling up.
 */
export const PRESENCE_TTL_MS = 24 * 3600_000

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

/**
 * The authenticated long links of every node of a server group that shares one Redis
 * (PROTOCOL.md §2.5): each node keeps its own links in `local`, says in Redis which node holds
 * each user's link (`link:<userId>` → `nodeId key`), and carries pushes for a link of another node
 * over that node's pub/sub channel. An entry counts only while its node is a live member of the
 * group (`alive`, cluster/membership.ts): a killed node's links vanish with its report, within
 * seconds, at no cost per link. A user whose link is on this node is found without Redis.
 */
export class ClusterLinks implements LinkDirectory, LinkPresence {
  private unsubscribe: (() => void) | undefined
  private readonly delIfSame: RedisScript

  constructor(
    private readonly backend: RedisBackend,
    /** This node's links by user: the long node's map. */
    private readonly local: ReadonlyMap<string, LinkPeer>,
    /** This node's name among the group's members. */
    readonly nodeId: string,
    /** Whether a node is a live member of the group. */
    private readonly alive: (nodeId: string) => boolean | Promise<boolean>,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {
    this.delIfSame = redisScript(backend.client, DEL_IF_SAME)
  }

  /** Subscribes to this node's channel; awaited before the server listens. */
  async ready(): Promise<void> {
    this.unsubscribe = await this.backend.subscribe(`links:${this.nodeId}`, (message) => this.deliver(message))
  }

  async lookup(userId: string): Promise<LinkPeer | undefined> {
    const here = this.local.get(userId)
    if (here) return here
    const entry = await this.backend.client.get(this.entryKey(userId))
    if (!entry) return undefined
    const [nodeId, key] = entry.split(' ')
    if (!nodeId || !key || nodeId === this.nodeId || !(await this.alive(nodeId))) return undefined
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
    this.delIfSame([this.entryKey(peer.userId)], [this.entryOf(peer)]).catch(() => undefined)
  }

  async close(): Promise<void> {
    this.unsubscribe?.()
    // The links close with the node; their entries go now rather than at their TTL.
    await Promise.all([...this.local.values()].map((peer) => (peer.userId === undefined ? undefined : this.delIfSame([this.entryKey(peer.userId)], [this.entryOf(peer)]).catch(() => undefined))))
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

  private entryKey(userId: string): string {
    return this.backend.key('link', userId)
  }

  private entryOf(peer: LinkPeer): string {
    return `${this.nodeId} ${peer.key}`
  }
}
