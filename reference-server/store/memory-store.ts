import {randomBytes, randomInt} from 'node:crypto'
import {EventEmitter} from 'node:events'
import {type ChatMessage, ImhError, type MomentNotice, type SendMsgReply, type SyncCategory} from '../../src/protocol/index.js'
import type {InboxPage, NewMessage, Store, StoreEvent, StoredUser, TokenCheck} from './store.js'
import {defineStore} from './store-slot.js'

interface Inbox {
  epoch: number
  /** Retained entries, ascending; messages[i].seq === firstSeq + i. Notices in a moments inbox. */
  messages: Array<ChatMessage | MomentNotice>
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
  private readonly inboxes = new Map<string, Inbox>()
  /** The `moments` inbox of each user (PROTOCOL.md §15.6), with an epoch of its own. */
  private readonly noticeInboxes = new Map<string, Inbox>()
  private readonly dedup = new Map<string, Map<string, SendMsgReply>>()
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
    this.inboxes.set(user.userId, {epoch: randomInt(1, 2 ** 31 - 1), messages: [], nextSeq: 1})
    this.noticeInboxes.set(user.userId, {epoch: randomInt(1, 2 ** 31 - 1), messages: [], nextSeq: 1})
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
    const inbox = this.inboxes.get(m.to)
    if (!inbox) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${m.to}"`, {field: 'to'})
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
    inbox.messages.push(stored)
    const reply: SendMsgReply = {serverMsgId: stored.serverMsgId, seq: stored.seq, sendTime: stored.sendTime}
    if (!seen) this.dedup.set(m.from, (seen = new Map()))
    seen.set(m.clientMsgId, reply)
    if (seen.size > this.dedupWindow) seen.delete(seen.keys().next().value!)
    return {reply, duplicate: false}
  }

  async readInbox(userId: string, afterSeq: number, limit: number, category: SyncCategory = 'chat'): Promise<InboxPage> {
    const inbox = this.inboxOf(userId, category)
    const firstSeq = inbox.messages[0]?.seq ?? inbox.nextSeq
    const start = Math.max(0, afterSeq + 1 - firstSeq)
    const entries = inbox.messages.slice(start, start + limit)
    const page = {epoch: inbox.epoch, more: start + limit < inbox.messages.length, lastSeq: inbox.nextSeq - 1}
    return category === 'chat' ? {...page, messages: entries as ChatMessage[]} : {...page, messages: [], notices: entries as MomentNotice[]}
  }

  async appendNotice(userId: string, notice: Omit<MomentNotice, 'seq'>): Promise<MomentNotice> {
    const inbox = this.inboxOf(userId, 'moments')
    const stored: MomentNotice = {seq: inbox.nextSeq++, ...notice}
    inbox.messages.push(stored)
    return stored
  }

  async ack(userId: string, seq: number, category: SyncCategory = 'chat'): Promise<void> {
    const inbox = this.inboxOf(userId, category)
    const firstSeq = inbox.messages[0]?.seq
    if (firstSeq === undefined || seq < firstSeq) return
    inbox.messages.splice(0, Math.min(inbox.messages.length, seq - firstSeq + 1))
  }

  async inboxEpoch(userId: string, category: SyncCategory = 'chat'): Promise<number> {
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

  private inboxOf(userId: string, category: SyncCategory = 'chat'): Inbox {
    const inbox = (category === 'moments' ? this.noticeInboxes : this.inboxes).get(userId)
    if (!inbox) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
    return inbox
  }
}

/** The store every flow shares (users, tokens, inboxes); in memory unless the server is given one. */
export const SHARED_STORE = defineStore<Store, 'dedupWindow'>('store', (limits) => new MemoryStore({dedupWindow: limits.dedupWindow}))
