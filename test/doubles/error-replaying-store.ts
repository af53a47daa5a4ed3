import type {NewMessage} from '../../reference-server/index.js'
import type {SendMsgReply} from '../../src/protocol/index.js'
import {DelegatingStore} from './delegating-store.js'

/**
 * Broken double (PROTOCOL.md §6.2): it de-duplicates by clientMsgId before it knows whether the
 * message can be stored, so an ERROR answer is remembered as "the first reply" and replayed for
 * every later SEND_MSG with that clientMsgId.
 */
export class ErrorReplayingStore extends DelegatingStore {
  private readonly failed = new Map<string, unknown>()

  override async appendMessage(message: NewMessage): Promise<{reply: SendMsgReply; duplicate: boolean}> {
    const key = `${message.from}\u0000${message.clientMsgId}`
    if (this.failed.has(key)) throw this.failed.get(key)
    try {
      return await this.inner.appendMessage(message)
    } catch (err) {
      this.failed.set(key, err)
      throw err
    }
  }
}
