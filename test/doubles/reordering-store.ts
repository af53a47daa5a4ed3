import type {InboxEntry, InboxPage} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/** Broken double (PROTOCOL.md §6.4, §6.8): any page of two or more messages comes with its first two swapped. */
export class ReorderingStore extends DelegatingStore {
  override async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const page = await this.inner.readInbox(userId, afterSeq, limit, category)
    if (page.entries.length < 2) return page
    const [a, b, ...rest] = page.entries
    return {...page, entries: [b!, a!, ...rest]}
  }
}
