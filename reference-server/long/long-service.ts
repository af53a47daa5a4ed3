import type {Frame} from '../../src/protocol/index.js'
import type {LinkPeer} from './link-peer.js'

/**
 * A flow served on the long link beside chat (talk §11.2, nearby §12, shake §13, bottle §14): it
 * owns a set of request cmds and hears when a link goes. A flow module hands it to the long node.
 */
export interface LongService {
  readonly cmds: ReadonlySet<number>
  /** Handles one request frame; `reply` answers it (same cmd and seq). Throw an ImhError to refuse. */
  handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void>
  /** The link closed or was closed: forget what was bound to it. */
  linkGone?(peer: LinkPeer): void
  close?(): void
}
