import {type Frame, ImhError} from '../protocol/index.js'

/**
 * The long link's transports (PROTOCOL.md §4): `ws` carries one frame per binary WebSocket message
 * (`ws://`, `wss://`), `tcp` carries the same frames back to back as a byte stream (`tcp://`,
 * `tls://`), as Tencent Mars does.
 */
export const LINK_TRANSPORTS = ['ws', 'tcp'] as const
export type LinkTransportKind = (typeof LINK_TRANSPORTS)[number]

const SCHEMES: Record<string, LinkTransportKind> = {'ws:': 'ws', 'wss:': 'ws', 'tcp:': 'tcp', 'tls:': 'tcp'}

/** The transport of a long-link address by its scheme; undefined for a scheme no transport speaks. */
export function transportOf(url: string): LinkTransportKind | undefined {
  const colon = url.indexOf(':')
  return colon < 0 ? undefined : SCHEMES[url.slice(0, colon + 1).toLowerCase()]
}

/** Whether `value` names a transport; for checking options and flags at the boundary. */
export function isLinkTransport(value: unknown): value is LinkTransportKind {
  return typeof value === 'string' && (LINK_TRANSPORTS as readonly string[]).includes(value)
}

/**
 * The long group's addresses a client should try, in the scheduler's order: all of them when no
 * transport is asked for (the scheduler lists ws:// first), else only those of `transport`.
 * Throws IMH_ERR_NO_TRANSPORT when the group lists none of the transport asked for.
 */
export function longUrlsFor(long: readonly string[], transport: LinkTransportKind | undefined): readonly string[] {
  if (transport === undefined) return long
  const urls = long.filter((u) => transportOf(u) === transport)
  if (urls.length === 0) {
    const schemes = transport === 'ws' ? 'ws:// or wss://' : 'tcp:// or tls://'
    throw new ImhError('IMH_ERR_NO_TRANSPORT', `the transport asked for is ${transport}, but the scheduler's long group lists no ${schemes} address (it lists ${long.length === 0 ? 'none' : long.join(', ')})`)
  }
  return urls
}

/**
 * What a long link needs of its connection, whatever carries it: frames out, raw bytes out (for
 * conformance cases that send malformed input), and an end. Frames in and the close come back
 * through the link's `onFrame`, `onBadBytes` and `onClose` (see long-link.ts).
 */
export interface LinkTransport {
  readonly kind: LinkTransportKind
  /** The address it was opened to. */
  readonly url: string
  /** Sends one encoded frame. */
  send(frame: Buffer): void
  /**
   * Sends bytes as they are. On a WebSocket: one binary message, or one text message for a
   * string; on a stream: the bytes (a string's UTF-8), with no boundary of their own.
   */
  sendRaw(data: Buffer | string): void
  /** Ends the connection in order; `code` is a WebSocket close code (a stream reports it as its own). */
  close(code: number): void
  /** Drops the connection at once. */
  terminate(): void
}

/** Where a transport delivers what it receives: the long link. */
export interface TransportSink {
  /** One whole frame's bytes (a WebSocket message), to decode; or a frame already split from a stream. */
  onMessage(data: Buffer, isBinary: boolean): void
  onFrame(frame: Frame): void
  /** Bytes that are no frame; the transport ends the connection when it cannot find the next frame. */
  onBadBytes(err: Error, data: Buffer): void
  onClose(code: number, reason: string): void
}

/**
 * Puts `owner` on `socket` under `key` and adds `listeners`, plus one for 'error' that only keeps
 * the emitter from throwing (a socket error is followed by 'close', which ends the link). The
 * listeners are module functions shared by every link, each finding its owner on the socket: a
 * link costs no closures of its own.
 */
export function ownSocket<S extends NodeJS.EventEmitter>(socket: S, key: symbol, owner: object, listeners: Record<string, (this: S, ...args: never[]) => void>): void {
  ;(socket as unknown as Record<symbol, object>)[key] = owner
  for (const [event, fn] of Object.entries(listeners)) socket.on(event, fn as (...args: unknown[]) => void)
  socket.on('error', ignore)
}

function ignore(): void {}
