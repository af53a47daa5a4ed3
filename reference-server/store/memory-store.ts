import {randomBytes, randomInt} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {type ChatMessage, DEFAULT_SYNC_CATEGORY, ImhError, SYNC_CATEGORIES, type SendMsgReply, type SyncCategory} from '../../src/protocol/index.js'
import type {InboxEntry, InboxPage, NewMessage, Store, StoreEvent, StoredUser, TokenCheck} from './store.js'
import {DedupWindow} from './dedup-window.js'
import {RedisStore} from './redis-store.js'
import {defineStore} from './store-slot.js'

/** One user's inbox of one SYNC category, with its own seqs and epoch (PROTOCOL.md §6.1). */
interface Inbox {
  epoch: number
  /** Retained entries, ascending; entries[i].seq === firstSeq + i. */
  entries: InboxEntry[]
  nextSeq: number
}

export interface MemoryStoreOptions {
  /** Recent clientMsgIds remembered per sender (PROTOCOL.md §6.2 asks for at least 10,000). */
  dedupWindow?: number
  /** Superseded tokens remembered so they answer 1101 instead of 1100. */
  supersededTokenWindow?: number
}

/** The embedded default store: one process, nothing persisted. */
export class MemoryStore implements Store {
  private readonly users = new Map<string, StoredUser>()
  private readonly byName = new Map<string, string>()
  private readonly tokens = new Map<string, string>()
  private readonly currentToken = new Map<string, string>()
  private readonly superseded = new Map<string, string>()
  /** Each user's inbox of every SYNC category the protocol flows declare. */
  private readonly inboxes = new Map<string, Map<SyncCategory, Inbox>>()
  private readonly dedup = new Map<string, DedupWindow>()
  private readonly events = new EventEmitter()
  private nextUser = 1
  private nextMsg = 1
  private readonly dedupWindow: number
  private readonly supersededWindow: number

  constructor(options: MemoryStoreOptions = {}) {
    this.dedupWindow = options.dedupWindow ?? 10_000
    this.supersededWindow = options.supersededTokenWindow ?? 100_000
    this.events.setMaxListeners(0)
  }

  async createUser(username: string, passwordHash: string): Promise<StoredUser | undefined> {
    if (this.byName.has(username)) return undefined
    const user: StoredUser = {userId: `u${this.nextUser++}`, username, passwordHash, nickname: username}
    this.users.set(user.userId, user)
    this.byName.set(username, user.userId)
    this.inboxes.set(user.userId, new Map(SYNC_CATEGORIES.map((c) => [c, {epoch: randomInt(1, 2 ** 31 - 1), entries: [], nextSeq: 1}])))
    return user
  }

  async getUser(userId: string): Promise<StoredUser | undefined> {
    return this.users.get(userId)
  }

  async getUserByName(username: string): Promise<StoredUser | undefined> {
    const id = this.byName.get(username)
    return id === undefined ? undefined : this.users.get(id)
  }

  async issueToken(userId: string): Promise<string> {
    const token = randomBytes(24).toString('base64url')
    const old = this.currentToken.get(userId)
    if (old !== undefined) {
      this.tokens.delete(old)
      this.superseded.set(old, userId)
      if (this.superseded.size > this.supersededWindow) this.superseded.delete(this.superseded.keys().next().value!)
    }
    this.tokens.set(token, userId)
    this.currentToken.set(userId, token)
    return token
  }

  async checkToken(token: string): Promise<TokenCheck> {
    const userId = this.tokens.get(token)
    if (userId !== undefined) return {status: 'ok', userId}
    const kicked = this.superseded.get(token)
    return kicked === undefined ? {status: 'invalid'} : {status: 'kicked', userId: kicked}
  }

  async appendMessage(m: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    let seen = this.dedup.get(m.from)
    const first = seen?.get(m.clientMsgId)
    if (first) return {reply: first, duplicate: true}
    if (!this.inboxes.has(m.to)) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${m.to}"`, {field: 'to'})
    const inbox = this.inboxOf(m.to, DEFAULT_SYNC_CATEGORY)
    const stored: ChatMessage = {
      seq: inbox.nextSeq++,
      serverMsgId: String(this.nextMsg++),
      from: m.from,
      to: m.to,
      clientMsgId: m.clientMsgId,
      type: m.type,
      content: m.content,
      sendTime: Date.now(),
    }
    inbox.entries.push(stored)
    const reply: SendMsgReply = {serverMsgId: stored.serverMsgId, seq: stored.seq, sendTime: stored.sendTime}
    if (!seen) this.dedup.set(m.from, (seen = new DedupWindow(this.dedupWindow)))
    seen.add(m.clientMsgId, reply)
    return {reply, duplicate: false}
  }

  async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const inbox = this.inboxOf(userId, category ?? DEFAULT_SYNC_CATEGORY)
    const firstSeq = inbox.entries[0]?.seq ?? inbox.nextSeq
    const start = Math.max(0, afterSeq + 1 - firstSeq)
    const entries = inbox.entries.slice(start, start + limit) as InboxEntry<C>[]
    return {epoch: inbox.epoch, entries, more: start + limit < inbox.entries.length, lastSeq: inbox.nextSeq - 1}
  }

  async appendEntry<C extends SyncCategory>(userId: string, category: C, entry: Omit<InboxEntry<C>, 'seq'>): Promise<InboxEntry<C>> {
    const inbox = this.inboxOf(userId, category)
    const stored = {seq: inbox.nextSeq++, ...entry} as InboxEntry<C>
    inbox.entries.push(stored)
    return stored
  }

  async ack(userId: string, seq: number, category: SyncCategory = DEFAULT_SYNC_CATEGORY): Promise<void> {
    const inbox = this.inboxOf(userId, category)
    const firstSeq = inbox.entries[0]?.seq
    if (firstSeq === undefined || seq < firstSeq) return
    inbox.entries.splice(0, Math.min(inbox.entries.length, seq - firstSeq + 1))
  }

  async inboxEpoch(userId: string, category: SyncCategory = DEFAULT_SYNC_CATEGORY): Promise<number> {
    return this.inboxOf(userId, category).epoch
  }

  async publish(event: StoreEvent): Promise<void> {
    this.events.emit('event', event)
  }

  subscribe(handler: (event: StoreEvent) => void): () => void {
    this.events.on('event', handler)
    return () => this.events.off('event', handler)
  }

  async close(): Promise<void> {
    this.events.removeAllListeners()
  }

  private inboxOf(userId: string, category: SyncCategory): Inbox {
    const inbox = this.inboxes.get(userId)?.get(category)
    if (!inbox) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
    return inbox
  }
}

/**
 * The store every flow shares (users, tokens, inboxes): in memory unless the server is given one,
 * in the group's Redis when it has one (`imh serve --redis`).
 */
export const SHARED_STORE = defineStore<Store, 'dedupWindow'>(
  'store',
  (limits) => new MemoryStore({dedupWindow: limits.dedupWindow}),
  (backend, limits) => new RedisStore(backend, {dedupWindow: limits.dedupWindow}),
)
