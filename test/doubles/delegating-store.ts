import {MemoryStore} from '../../reference-server/index.js'
import type {InboxEntry, InboxPage, NewMessage, Store, StoreEvent, StoredUser, TokenCheck} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SendMsgReply, SyncCategory} from '../../src/protocol/index.js'

/**
 * A Store that hands every call to an inner MemoryStore. Broken-server doubles extend it and
 * override the one method whose bug they plant, so the rest of the server stays correct.
 */
export class DelegatingStore implements Store {
  constructor(protected readonly inner: Store = new MemoryStore()) {}

  createUser(username: string, passwordHash: string): Promise<StoredUser | undefined> {
    return this.inner.createUser(username, passwordHash)
  }
  getUser(userId: string): Promise<StoredUser | undefined> {
    return this.inner.getUser(userId)
  }
  getUserByName(username: string): Promise<StoredUser | undefined> {
    return this.inner.getUserByName(username)
  }
  issueToken(userId: string): Promise<string> {
    return this.inner.issueToken(userId)
  }
  checkToken(token: string): Promise<TokenCheck> {
    return this.inner.checkToken(token)
  }
  appendMessage(message: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    return this.inner.appendMessage(message)
  }
  readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    return this.inner.readInbox(userId, afterSeq, limit, category)
  }
  ack(userId: string, seq: number, category?: SyncCategory): Promise<void> {
    return this.inner.ack(userId, seq, category)
  }
  inboxEpoch(userId: string, category?: SyncCategory): Promise<number> {
    return this.inner.inboxEpoch(userId, category)
  }
  appendEntry<C extends SyncCategory>(userId: string, category: C, entry: Omit<InboxEntry<C>, 'seq'>): Promise<InboxEntry<C>> {
    return this.inner.appendEntry(userId, category, entry)
  }
  publish(event: StoreEvent): Promise<void> {
    return this.inner.publish(event)
  }
  subscribe(handler: (event: StoreEvent) => void): () => void {
    return this.inner.subscribe(handler)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}
