import type {InboxEntry, InboxPage} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/**
 * Broken double (PROTOCOL.md §6.4): `continue` is guessed from the page being full, not from what
 * remains, so a last page exactly `limit` long says continue: true.
 */
export class FullPageContinueStore extends DelegatingStore {
  override async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const page = await this.inner.readInbox(userId, afterSeq, limit, category)
    return {...page, more: page.entries.length === limit}
  }
}
