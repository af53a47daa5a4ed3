import type {ChatMessage, MessageType, MomentNotice, SendMsgReply, SyncCategory} from '../../src/protocol/index.js'

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

export interface InboxPage {
  epoch: number
  messages: ChatMessage[]
  /** The page of a `moments` inbox (PROTOCOL.md §15.6); `messages` is then empty. */
  notices?: MomentNotice[]
  /** True when messages after the page remain. */
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
  readInbox(userId: string, afterSeq: number, limit: number, category?: SyncCategory): Promise<InboxPage>
  /** Acknowledges everything up to seq; the store may discard those entries. */
  ack(userId: string, seq: number, category?: SyncCategory): Promise<void>
  inboxEpoch(userId: string, category?: SyncCategory): Promise<number>
  /** Stores a notice in the user's `moments` inbox under its next seq (PROTOCOL.md §15.6). */
  appendNotice(userId: string, notice: Omit<MomentNotice, 'seq'>): Promise<MomentNotice>
  publish(event: StoreEvent): Promise<void>
  /** Returns the unsubscribe function. */
  subscribe(handler: (event: StoreEvent) => void): () => void
  close(): Promise<void>
}
