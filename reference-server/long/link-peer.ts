/**
 * One authenticated long link as a flow sees it (a LongConnection): what a flow may bind state
 * to and push on. Calls, shake windows and the like are bound to the link, not just to the user,
 * so a newer login of the same user is a different peer.
 */
export interface LinkPeer {
  /** Unique per connection. */
  readonly key: string
  readonly userId: string | undefined
  /** Sends a push (seq 0) if the link is still open. */
  push(cmd: number, body: unknown): void
}

/**
 * The live links by user (PROTOCOL.md §5.5: one per user): this node's, or, when the nodes of a
 * group share a Redis, every node's (cluster-links.ts), a link of another node being a peer whose
 * pushes travel there.
 */
export interface LinkDirectory {
  lookup(userId: string): Promise<LinkPeer | undefined>
}

/**
 * Told when a link of this node authenticates and when it closes, beside the node's own map:
 * how the links of several nodes are known to each other (cluster-links.ts).
 */
export interface LinkPresence {
  /** Resolves once other nodes can find the link: the AUTH reply waits for it. */
  registered(peer: LinkPeer): Promise<void>
  unregistered(peer: LinkPeer): void
}

/** The links of this node alone: the long node's own map. */
export function localLinks(byUser: ReadonlyMap<string, LinkPeer>): LinkDirectory {
  return {lookup: async (userId) => byUser.get(userId)}
}
