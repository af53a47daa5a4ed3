import {randomBytes, randomInt} from 'node:crypto'
import {DEFAULT_SYNC_CATEGORY, ImhError, SYNC_CATEGORIES, type SendMsgReply, type SyncCategory} from '../../src/protocol/index.js'
import type {RedisBackend} from './redis-backend.js'
import {GroupEvents} from './redis-store-events.js'
import {type StoreScripts, storeScripts} from './redis-store-scripts.js'
import type {InboxEntry, InboxPage, NewMessage, Store, StoreEvent, StoredUser, TokenCheck} from './store.js'

export interface RedisStoreOptions {
  /** Recent clientMsgIds remembered per sender (PROTOCOL.md §6.2 asks for at least 10,000). */
  dedupWindow?: number
  /** How long a superseded token answers 'kicked' (1101) before it answers 'invalid' (1100). */
  supersededTokenTtlSeconds?: number
}

/**
 * The shared store of a server group (PROTOCOL.md §2.6): users, tokens, inboxes and the senders'
 * de-duplication windows in one Redis, so that every node sees the same state, and events over
 * Redis pub/sub (redis-store-events.ts), so that a notify or kick reaches whichever node holds
 * the user's link. It behaves as {@link MemoryStore} does (one suite checks both); each call is
 * one round trip, the steps that read then write one Lua script (redis-store-scripts.ts).
 */
export class RedisStore implements Store {
  private readonly scripts: StoreScripts
  private readonly events: GroupEvents
  private readonly dedupWindow: number
  private readonly supersededTtl: number
  /** The prefix, for scripts that build a key from a value they read. */
  private readonly prefix: string

  constructor(private readonly backend: RedisBackend, options: RedisStoreOptions = {}) {
    this.dedupWindow = options.dedupWindow ?? 10_000
    this.supersededTtl = options.supersededTokenTtlSeconds ?? 86_400
    this.scripts = storeScripts(backend.client)
    this.events = new GroupEvents(backend, this.scripts)
    this.prefix = backend.key('')
  }

  /** Subscribes to the group's events; the server awaits it before it listens, so no event is missed. */
  ready(): Promise<void> {
    return this.events.ready()
  }

  async createUser(username: string, passwordHash: string): Promise<StoredUser | undefined> {
    const epochs = SYNC_CATEGORIES.flatMap((c) => [c, randomInt(1, 2 ** 31 - 1)])
    const id = (await this.scripts.createUser(this.backend.key('names'), this.backend.key('next', 'user'), username, passwordHash, this.prefix, ...epochs)) as string | null
    return id === null ? undefined : {userId: id, username, passwordHash, nickname: username}
  }

  async getUser(userId: string): Promise<StoredUser | undefined> {
    const [username, passwordHash, nickname] = await this.backend.client.hmget(this.backend.key('user', userId), 'username', 'passwordHash', 'nickname')
    return username == null ? undefined : {userId, username, passwordHash: passwordHash!, nickname: nickname!}
  }

  async getUserByName(username: string): Promise<StoredUser | undefined> {
    const found = (await this.scripts.userByName(this.backend.key('names'), username, this.prefix)) as string[] | null
    return found === null ? undefined : {userId: found[0]!, username: found[1]!, passwordHash: found[2]!, nickname: found[3]!}
  }

  async issueToken(userId: string): Promise<string> {
    const token = randomBytes(24).toString('base64url')
    await this.scripts.issueToken(this.backend.key('curtok', userId), this.backend.key('tok', token), userId, token, this.prefix, this.supersededTtl)
    return token
  }

  async checkToken(token: string): Promise<TokenCheck> {
    const value = await this.backend.client.get(this.backend.key('tok', token))
    if (value === null) return {status: 'invalid'}
    return value.startsWith('!') ? {status: 'kicked', userId: value.slice(1)} : {status: 'ok', userId: value}
  }

  async appendMessage(m: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    const sendTime = Date.now()
    // The entry's fields after seq and serverMsgId, which the script puts first (MemoryStore's order).
    const rest = `,${JSON.stringify({from: m.from, to: m.to, clientMsgId: m.clientMsgId, type: m.type, content: m.content, sendTime}).slice(1)}`
    const [status, reply] = (await this.scripts.appendMessage(
      this.backend.key('dedup', m.from), this.backend.key('dedupq', m.from), this.metaKey(m.to), this.inboxKey(m.to, DEFAULT_SYNC_CATEGORY), this.backend.key('next', 'msg'),
      m.clientMsgId, this.dedupWindow, sendTime, rest, DEFAULT_SYNC_CATEGORY,
    )) as [number, string?]
    if (status === 2) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${m.to}"`, {field: 'to'})
    const [serverMsgId, seq, time] = reply!.split(' ')
    return {reply: {serverMsgId: serverMsgId!, seq: Number(seq), sendTime: Number(time)}, duplicate: status === 1}
  }

  async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const c = category ?? DEFAULT_SYNC_CATEGORY
    const found = (await this.scripts.readInbox(this.metaKey(userId), this.inboxKey(userId, c), c, afterSeq, limit)) as string[] | null
    if (found === null) throw unknownUser(userId)
    const entries = found.slice(2, 2 + Math.max(0, limit)).map((e) => JSON.parse(e) as InboxEntry<C>)
    return {epoch: Number(found[0]), entries, more: found.length - 2 > limit, lastSeq: Number(found[1])}
  }

  async appendEntry<C extends SyncCategory>(userId: string, category: C, entry: Omit<InboxEntry<C>, 'seq'>): Promise<InboxEntry<C>> {
    const json = JSON.stringify(entry)
    const seq = (await this.scripts.appendEntry(this.metaKey(userId), this.inboxKey(userId, category), category, json === '{}' ? '}' : `,${json.slice(1)}`)) as number | null
    if (seq === null) throw unknownUser(userId)
    return {seq, ...entry} as InboxEntry<C>
  }

  async ack(userId: string, seq: number, category: SyncCategory = DEFAULT_SYNC_CATEGORY): Promise<void> {
    if ((await this.scripts.ack(this.metaKey(userId), this.inboxKey(userId, category), category, seq)) === null) throw unknownUser(userId)
  }

  async inboxEpoch(userId: string, category: SyncCategory = DEFAULT_SYNC_CATEGORY): Promise<number> {
    const epoch = await this.backend.client.hget(this.metaKey(userId), `e:${category}`)
    if (epoch === null) throw unknownUser(userId)
    return Number(epoch)
  }

  /** This node's handlers at once, the other nodes' through Redis (see GroupEvents). */
  async publish(event: StoreEvent): Promise<void> {
    this.events.publish(event)
  }

  subscribe(handler: (event: StoreEvent) => void): () => void {
    return this.events.subscribe(handler)
  }

  /** Stops delivering events; the backend (the server's) stays open. */
  close(): Promise<void> {
    return this.events.close()
  }

  private metaKey(userId: string): string {
    return this.backend.key('meta', userId)
  }

  private inboxKey(userId: string, category: SyncCategory): string {
    return this.backend.key('inbox', category, userId)
  }
}

function unknownUser(userId: string): ImhError {
  return new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
}
