import {
  type Bottle, type BottlePickReply, type BottleReplyReply, type BottleThrowReply, CMD, ImhError,
} from '../protocol/index.js'
import type {LongLink} from './long-link.js'
import type {VirtualClient} from './virtual-client.js'

/**
 * The drift-bottle role of one user (PROTOCOL.md §14) on a long link: throw, pick, reply. A
 * reply reaches the thrower's inbox; the thrower sees it through SYNC (VirtualClient 'message',
 * type 'bottle'). Replies are checked by the protocol's reply parsers (LongLink.call).
 */
export class BottleClient {
  constructor(readonly link: LongLink) {}

  /** The bottle role of a started VirtualClient (its current long link). */
  static of(client: VirtualClient): BottleClient {
    if (!client.link) throw new ImhError('IMH_ERR_INVALID_OPTION', 'BottleClient.of: the client has no long link; start() it first')
    return new BottleClient(client.link)
  }

  /** Throws a bottle with `content` (1–1024 UTF-8 bytes) into the pool. */
  throw(content: string, timeoutMs?: number): Promise<BottleThrowReply> {
    return this.link.call<BottleThrowReply>(CMD.BOTTLE_THROW, {content}, timeoutMs)
  }

  /** Picks a random bottle thrown by somebody else; null when the pool has none for this user. */
  async pick(timeoutMs?: number): Promise<Bottle | null> {
    return (await this.link.call<BottlePickReply>(CMD.BOTTLE_PICK, {}, timeoutMs)).bottle
  }

  /** Replies to a bottle this user picked; the answer names the thrower (`to`) for further chat. */
  reply(bottleId: string, content: string, clientMsgId: string, timeoutMs?: number): Promise<BottleReplyReply> {
    return this.link.call<BottleReplyReply>(CMD.BOTTLE_REPLY, {bottleId, clientMsgId, content}, timeoutMs)
  }
}
