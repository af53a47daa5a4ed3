import type {Frame, ImhError} from '../../src/protocol/index.js'

/** What a transport hands the connection: a whole frame, or the fatal error that ends its input. */
export type Inbound = ({frame: Frame} | {error: ImhError}) & {bytes: number}

/** What a transport tells the connection it carries. */
export interface TransportSink {
  /** A frame arrived whole, or the input failed (bad header, timeout): nothing more follows an error. */
  inbound(item: Inbound): void
  /** The peer showed it is alive without a frame (a WebSocket ping): resets the idle timer (§5.4). */
  activity(): void
  /** The connection is gone, whoever closed it. */
  closed(): void
}

/**
 * The one thing that differs between a WebSocket long link and a stream one (PROTOCOL.md §4.2):
 * how frames arrive and leave. The session logic (LongConnection) is the same over both.
 */
export interface LinkTransport {
  /** 'ws' or 'stream' (tcp://, tls://). */
  readonly kind: 'ws' | 'stream'
  /** Whether frames may still be sent. */
  readonly open: boolean
  /** Bytes given to send and not yet written to the socket (§5.6's outbound buffer). */
  readonly bufferedAmount: number
  readonly isPaused: boolean
  /** Starts delivering to `sink`; called once, by the connection's constructor. */
  attach(sink: TransportSink): void
  send(frame: Buffer): void
  /** Holds writes until `uncork`, so frames sent in one tick leave in one write. */
  cork(): void
  uncork(): void
  /** Stops reading (the inbound queue is full, §5.6) until `resume`. */
  pause(): void
  resume(): void
  /** Sends `errorFrame` (past any buffer limit: the one frame allowed) and closes (§4.5). */
  closeAfterError(errorFrame: Buffer, closeCode: number, reason: string): void
  /** Drops the connection at once (the server closes). */
  terminate(): void
}

/** How long a peer has to finish the close after an ERROR before the socket is dropped (§4.5's "a few seconds"). */
export const CLOSE_GRACE_MS = 2000
