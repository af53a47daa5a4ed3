import type {InboxPage} from '../../reference-server/index.js'
import type {SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/** Broken double (PROTOCOL.md §6.4, §6.8): any page of two or more messages comes with its first two swapped. */
export class ReorderingStore extends DelegatingStore {
  override async readInbox(userId: string, afterSeq: number, limit: number, category?: SyncCategory): Promise<InboxPage> {
    const page = await this.inner.readInbox(userId, afterSeq, limit, category)
    if (page.messages.length < 2) return page
    const [a, b, ...rest] = page.messages
    return {...page, messages: [b!, a!, ...rest]}
  }
}
