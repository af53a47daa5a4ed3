import type {InboxEntry, InboxPage} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/**
 * Broken double (PROTOCOL.md §6.5–§6.6): a key with the inbox's epoch acknowledges everything up
 * to its seq even when that seq was never assigned, so a future-seq key discards the whole inbox
 * before the resync that should return it.
 */
export class FutureSeqAckStore extends DelegatingStore {
  override async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    if (afterSeq > 0) await this.inner.ack(userId, afterSeq, category)
    return this.inner.readInbox(userId, afterSeq, limit, category)
  }
}
