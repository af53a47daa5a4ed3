import {isIP} from 'node:net'
import net from 'node:net'
import tls from 'node:tls'
import {CMD, ERRORS, type Frame, FrameStreamDecoder, ImhError, closeCodeFor, parseJsonBody} from '../protocol/index.js'
import {type LinkTransport, type TransportSink, ownSocket} from './link-transport.js'
import {openWithin} from './open-within.js'

/**
 * Close codes a stream reports when no fatal ERROR frame explains its end, as a WebSocket client
 * would see them: 1005 the server ended the stream in order, 1006 it was dropped, 1002 the server
 * sent bytes that are no frame.
 */
export const STREAM_CLOSE = {ENDED: 1005, DROPPED: 1006, BAD_FRAME: 1002} as const

/** How long an orderly close waits for the server's end before the socket is dropped. */
const END_GRACE_MS = 3000

const TRANSPORT = Symbol('imh.transport')
type OwnedSocket = net.Socket & {[TRANSPORT]: StreamTransport}
function onSocketData(this: net.Socket, chunk: Buffer): void {
  ;(this as OwnedSocket)[TRANSPORT].onData(chunk)
}
function onSocketClose(this: net.Socket, hadError: boolean): void {
  ;(this as OwnedSocket)[TRANSPORT].onClose(hadError)
}

/**
 * The long link over a byte stream, TCP or TLS (`tcp://`, `tls://`): frames back to back, split
 * by FrameStreamDecoder however the reads cut them. A stream has no close code: the link's close
 * carries the one a WebSocket server would have sent, 4000 + (ret mod 1000), taken from the fatal
 * ERROR frame that came before the server's end (PROTOCOL.md §4.5), so every check of a close
 * code holds on both transports.
 */
export class StreamTransport implements LinkTransport {
  private sink: TransportSink | undefined
  private readonly decoder: FrameStreamDecoder
  /** The ret of the last fatal ERROR frame received. */
  private fatalRet: number | undefined
  private fatalCode: string | undefined
  /** Why the connection ended from this side: close(code), or a bad frame. */
  private localCode: number | undefined
  private ended = false

  constructor(readonly socket: net.Socket, readonly url: string, maxBodyBytes?: number) {
    this.decoder = new FrameStreamDecoder(maxBodyBytes)
  }

  get kind(): 'tcp' {
    return 'tcp'
  }

  attach(sink: TransportSink): void {
    this.sink = sink
    ownSocket(this.socket, TRANSPORT, this, {data: onSocketData, close: onSocketClose})
  }

  send(frame: Buffer): void {
    if (!this.ended && this.socket.writable) this.socket.write(frame)
  }

  sendRaw(data: Buffer | string): void {
    if (!this.ended && this.socket.writable) this.socket.write(data)
  }

  /** Ends the stream in order (FIN), and drops it if the server has not ended its side within a few seconds. */
  close(code: number): void {
    if (this.ended || this.socket.destroyed) return
    this.ended = true
    this.localCode = code
    this.socket.end()
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref()
  }

  terminate(): void {
    this.ended = true
    this.socket.destroy()
  }

  /** @internal Bytes from the socket: every frame now complete goes to the link, in order. */
  onData(chunk: Buffer): void {
    if (this.localCode === STREAM_CLOSE.BAD_FRAME) return
    let frames: Frame[]
    try {
      frames = this.decoder.push(chunk)
    } catch (err) {
      // A header that cannot be trusted leaves no way to find the next frame: end the stream.
      this.localCode = STREAM_CLOSE.BAD_FRAME
      this.sink!.onBadBytes(err as Error, chunk)
      this.terminate()
      return
    }
    for (const frame of frames) {
      if (frame.cmd === CMD.ERROR) this.noteError(frame)
      this.sink!.onFrame(frame)
    }
  }

  /** Remembers a fatal ERROR: the server ends the stream after it, and the close says why. */
  private noteError(frame: Frame): void {
    try {
      const {code, ret} = parseJsonBody(frame.body) as {code?: unknown; ret?: unknown}
      if (typeof code !== 'string' || typeof ret !== 'number') return
      if (!(ERRORS as Record<string, {fatal: boolean}>)[code]?.fatal) return
      this.fatalRet = ret
      this.fatalCode = code
    } catch {
      // An unreadable ERROR body is the link's to report; it explains no close.
    }
  }

  /** @internal The socket closed. */
  onClose(hadError: boolean): void {
    this.ended = true
    const sink = this.sink!
    if (this.fatalRet !== undefined) sink.onClose(closeCodeFor(this.fatalRet), this.fatalCode!)
    else if (this.localCode !== undefined) sink.onClose(this.localCode, this.localCode === STREAM_CLOSE.BAD_FRAME ? 'the server sent bytes that are no frame' : '')
    else sink.onClose(hadError ? STREAM_CLOSE.DROPPED : STREAM_CLOSE.ENDED, '')
  }
}

export interface StreamConnectOptions {
  localAddress?: string
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  maxBodyBytes?: number
}

/** Host and port of a `tcp://host:port` or `tls://host:port` address; throws IMH_ERR_INVALID_OPTION without a port. */
export function streamAddress(url: string): {host: string; port: number; tls: boolean} {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `"${url}" is not a tcp://host:port or tls://host:port address`)
  }
  const port = Number(u.port)
  if (!u.hostname || !Number.isInteger(port) || port <= 0) throw new ImhError('IMH_ERR_INVALID_OPTION', `"${url}" names no host and port (tcp://host:port or tls://host:port)`)
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
  return {host, port, tls: u.protocol === 'tls:'}
}

/**
 * Opens a TCP (or, for `tls://`, TLS) stream within `timeoutMs` ({@link openWithin}); `adopt`
 * runs in the connect event, before any byte the server sends can be read.
 */
export function openStreamTransport<T>(url: string, options: StreamConnectOptions, timeoutMs: number, what: string, adopt: (t: StreamTransport) => T): Promise<T> {
  let at: ReturnType<typeof streamAddress>
  try {
    at = streamAddress(url)
  } catch (err) {
    return Promise.reject(err)
  }
  const socket = at.tls
    // tls.connect takes socket.connect()'s options too (localAddress), which its type omits.
    ? tls.connect({host: at.host, port: at.port, localAddress: options.localAddress, ca: options.ca, rejectUnauthorized: options.rejectUnauthorized, ...(isIP(at.host) ? {} : {servername: at.host})} as tls.ConnectionOptions)
    : net.connect({host: at.host, port: at.port, localAddress: options.localAddress})
  return openWithin(socket, at.tls ? 'secureConnect' : 'connect', {timeoutMs, what, timedOut: 'connecting has timed out', destroy: () => socket.destroy()}, () => {
    // Frames are small and each is awaited: no Nagle delay.
    socket.setNoDelay(true)
    return adopt(new StreamTransport(socket, url, options.maxBodyBytes))
  })
}
