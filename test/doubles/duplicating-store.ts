import type {InboxEntry, InboxPage, NewMessage} from '../../reference-server/index.js'
import type {DEFAULT_SYNC_CATEGORY, SendMsgReply, SyncCategory} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/** Marks the stored copy of a repeat; stripped again on read. */
const TAG = '\u0000repeat-'

/**
 * Broken double (PROTOCOL.md §6.2, §6.8): no de-duplication. A repeated (from, clientMsgId) is
 * stored again as a new message with a new seq and reply; the receiver sees the original
 * clientMsgId on every copy.
 */
export class DuplicatingStore extends DelegatingStore {
  private readonly sent = new Map<string, number>()

  override async appendMessage(m: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    const key = `${m.from}\u0000${m.clientMsgId}`
    const n = this.sent.get(key) ?? 0
    // The inner store de-duplicates by clientMsgId, so each repeat goes in under a tagged one.
    const result = await this.inner.appendMessage(n === 0 ? m : {...m, clientMsgId: `${m.clientMsgId}${TAG}${n}`})
    this.sent.set(key, n + 1)
    return result
  }

  override async readInbox<C extends SyncCategory = typeof DEFAULT_SYNC_CATEGORY>(userId: string, afterSeq: number, limit: number, category?: C): Promise<InboxPage<InboxEntry<C>>> {
    const page = await this.inner.readInbox(userId, afterSeq, limit, category)
    return {...page, entries: page.entries.map((entry) => {
      // Chat messages carry the clientMsgId; the entries of other categories pass as they are.
      const id = (entry as {clientMsgId?: unknown}).clientMsgId
      const at = typeof id === 'string' ? id.indexOf(TAG) : -1
      return at < 0 ? entry : {...entry, clientMsgId: (id as string).slice(0, at)}
    })}
  }
}
