import {randomBytes} from 'node:crypto'
import type {RedisBackend} from './redis-backend.js'
import type {StoreScripts} from './redis-store-scripts.js'
import type {StoreEvent} from './store.js'

/** The pub/sub channel (under the backend's prefix) that carries {@link StoreEvent}s between nodes. */
const EVENTS_CHANNEL = 'store'
/** How long a node compares other nodes' kicks of a user with its own latest: far beyond a pub/sub delay. */
const KICK_WINDOW_MS = 10_000
/** How long Redis keeps a user's kick generation after its latest kick (a day: beyond any window). */
const KICK_GENERATION_TTL_S = 86_400

/** An event as it travels: the node that published it, and a kick's generation. */
type Wire = StoreEvent & {node: string; gen?: number}

/**
 * {@link StoreEvent}s for the nodes of a group, over one Redis pub/sub channel.
 *
 * A node's own events reach its handlers at once, as MemoryStore's do, and reach the other nodes
 * through Redis (which does not send them back to it: each names its node). Delivering a node's
 * own events through Redis as well let a stale kick close the newer link: two AUTHs of one user
 * on one node, each kick arriving after the other link had registered, closed both links.
 *
 * Across nodes a kick says "keep only link `keep`", and two nodes that authenticate the user at
 * once each receive the other's kick. Each kick therefore carries a generation, the user's Redis
 * counter incremented as it is published: a node ignores another node's kick older than its own
 * latest kick of that user, so exactly one link, the latest generation's, survives.
 */
export class GroupEvents {
  private readonly handlers = new Set<(event: StoreEvent) => void>()
  private readonly node = randomBytes(9).toString('base64url')
  /** This node's latest kick per user, oldest first: its generation (pending until Redis answers). */
  private readonly ownKicks = new Map<string, {gen: Promise<number>; at: number}>()
  private subscribed: Promise<() => void> | undefined

  constructor(private readonly backend: RedisBackend, private readonly scripts: StoreScripts) {}

  ready(): Promise<void> {
    this.subscribed ??= this.backend.subscribe(EVENTS_CHANNEL, (message) => this.receive(JSON.parse(message) as Wire))
    return this.subscribed.then(() => undefined)
  }

  /**
   * Delivers `event` to this node's handlers, then publishes it to the others. Resolves once the
   * PUBLISH is queued, not when Redis answers: SEND_MSG awaits this after appendMessage, and
   * waiting for the answer cost each SEND_MSG a second round trip. The order holds all the same
   * (one connection: the PUBLISH reaches Redis after the write it follows); a PUBLISH that fails
   * lost the connection, whose unanswered commands ioredis sends again when it reconnects, and a
   * notify lost nonetheless costs a delay, not a message (the next notify or AUTH pulls it).
   */
  publish(event: StoreEvent): void {
    this.deliver(event)
    const wire = JSON.stringify({...event, node: this.node} satisfies Wire)
    if (event.type !== 'kick') {
      this.backend.publish(EVENTS_CHANNEL, wire).catch(() => {})
      return
    }
    const gen = this.scripts.publishKick(this.backend.key('kickgen', event.userId), this.backend.channel(EVENTS_CHANNEL), wire.slice(0, -1), KICK_GENERATION_TTL_S) as Promise<number>
    gen.catch(() => {})
    const now = Date.now()
    this.ownKicks.delete(event.userId)
    this.ownKicks.set(event.userId, {gen, at: now})
    for (const [userId, kick] of this.ownKicks) {
      if (now - kick.at < KICK_WINDOW_MS) break
      this.ownKicks.delete(userId)
    }
  }

  subscribe(handler: (event: StoreEvent) => void): () => void {
    this.handlers.add(handler)
    return () => this.handlers.delete(handler)
  }

  async close(): Promise<void> {
    this.handlers.clear()
    const subscribed = this.subscribed
    this.subscribed = undefined
    if (subscribed) (await subscribed)()
  }

  private receive({node, gen, ...event}: Wire): void {
    if (node === this.node) return
    const own = event.type === 'kick' ? this.ownKicks.get(event.userId) : undefined
    if (!own || Date.now() - own.at >= KICK_WINDOW_MS) return this.deliver(event)
    // This node kicked for the user lately: the later generation's link is the one to keep.
    own.gen.then((mine) => mine < gen! && this.deliver(event), () => this.deliver(event))
  }

  private deliver(event: StoreEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event)
      } catch (err) {
        // A failing handler must not starve the others nor unwind into the Redis connection's parser.
        process.nextTick(() => {
          throw err
        })
      }
    }
  }
}
