import type {DEFAULT_SYNC_CATEGORY, MessageType, SendMsgReply, SyncCategory, SyncCategorySpecOf, SyncItemOf} from '../../src/protocol/index.js'

export interface StoredUser {
  userId: string
  username: string
  passwordHash: string
  nickname: string
}

export type TokenCheck =
  | {status: 'ok'; userId: string}
  | {status: 'kicked'; userId: string}
  | {status: 'invalid'}

export interface NewMessage {
  from: string
  to: string
  clientMsgId: string
  type: MessageType
  content: string
}

/** An entry of the inbox of SYNC category `C` (PROTOCOL.md §6.1): a chat message, a moments notice, … */
export type InboxEntry<C extends SyncCategory = SyncCategory> = C extends SyncCategory ? SyncItemOf<SyncCategorySpecOf<C>> : never

export interface InboxPage<T = InboxEntry> {
  epoch: number
  /** Ascending by seq; the SYNC reply carries them under the category's own field (§6.4). */
  entries: T[]
  /** True when entries after the page remain. */
  more: boolean
  /** The highest seq the inbox has assigned; 0 for a new inbox. */
  lastSeq: number
}

/** Events every server node sees, so that a user's notify and kick reach whichever node holds its link. */
export type StoreEvent =
  | {type: 'notify'; userId: string; category?: SyncCategory}
  | {type: 'kick'; userId: string; keep: string}

/**
 * State of the reference server. Async throughout so that a shared store (Redis) can stand in
 * for the in-memory one without touching the server groups.
 */
export interface Store {
  /** Returns undefined when the username is taken. */
  createUser(username: string, passwordHash: string): Promise<StoredUser | undefined>
  getUser(userId: string): Promise<StoredUser | undefined>
  getUserByName(username: string): Promise<StoredUser | undefined>
  /** Issues a new token for the user; the previous one then checks as 'kicked'. */
  issueToken(userId: string): Promise<string>
  checkToken(token: string): Promise<TokenCheck>
  /**
   * Stores a message in the receiver's inbox, or returns the first reply for a repeated
   * (from, clientMsgId). Throws IMH_ERR_UNKNOWN_USER for an unknown receiver.
   */
  appendMessage(message: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}>
  /** Entries with seq > afterSeq, ascending, at most limit; each category is an inbox of its own (default chat). */
  readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>>
  /** Acknowledges everything up to seq; the store may discard those entries. */
  ack(userId: string, seq: number, category?: SyncCategory): Promise<void>
  inboxEpoch(userId: string, category?: SyncCategory): Promise<number>
  /**
   * Stores an entry in the user's inbox of `category` under its next seq: how every flow but chat
   * (whose SEND_MSG de-duplicates, appendMessage) fills a SYNC category it declares.
   */
  appendEntry<C extends SyncCategory>(userId: string, category: C, entry: Omit<InboxEntry<C>, 'seq'>): Promise<InboxEntry<C>>
  publish(event: StoreEvent): Promise<void>
  /** Returns the unsubscribe function. */
  subscribe(handler: (event: StoreEvent) => void): () => void
  close(): Promise<void>
}
