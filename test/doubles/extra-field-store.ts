import type {InboxEntry, InboxPage, NewMessage} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SendMsgReply, SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/**
 * A correct server that adds fields of its own to messages and SEND_MSG replies. Receivers
 * ignore unknown fields (PROTOCOL.md §1), so every case must still pass against it.
 */
export class ExtraFieldStore extends DelegatingStore {
  override async appendMessage(m: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    const r = await this.inner.appendMessage(m)
    return {...r, reply: {...r.reply, vendorTrace: 'abc'} as SendMsgReply}
  }

  override async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const page = await this.inner.readInbox(userId, afterSeq, limit, category)
    return {...page, entries: page.entries.map((m) => ({...m, flags: 0, vendorTrace: 'abc'}))}
  }
}
