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

/** The live links of a long-link node, by user (PROTOCOL.md §5.5: one per user). */
export interface LinkDirectory {
  lookup(userId: string): LinkPeer | undefined
}
