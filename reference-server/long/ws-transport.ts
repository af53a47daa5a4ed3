import type {Socket} from 'node:net'
import WebSocket from 'ws'
import {ImhError, decodeFrame} from '../../src/protocol/index.js'
import {CLOSE_GRACE_MS, type LinkTransport, type TransportSink} from './link-transport.js'

/** A long link over WebSocket: one binary message per frame (PROTOCOL.md §4.2). */
export class WsTransport implements LinkTransport {
  readonly kind = 'ws'

  /**
   * `socket` is the upgraded request's TCP socket, the one `ws` writes to: corked while a tick
   * sends frames so that they leave in one write.
   */
  constructor(private readonly ws: WebSocket, private readonly maxBodyBytes: number, private readonly socket?: Socket) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount
  }

  get isPaused(): boolean {
    return this.ws.isPaused
  }

  attach(sink: TransportSink): void {
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const bytes = data.length
      if (!isBinary) return sink.inbound({error: new ImhError('IMH_ERR_TEXT_MESSAGE'), bytes})
      try {
        sink.inbound({frame: decodeFrame(data, this.maxBodyBytes), bytes})
      } catch (err) {
        sink.inbound({error: err as ImhError, bytes})
      }
    })
    this.ws.on('close', () => sink.closed())
    this.ws.on('ping', () => sink.activity())
    this.ws.on('error', () => {})
  }

  send(frame: Buffer): void {
    this.ws.send(frame)
  }

  cork(): void {
    this.socket?.cork()
  }

  uncork(): void {
    this.socket?.uncork()
  }

  pause(): void {
    this.ws.pause()
  }

  resume(): void {
    this.ws.resume()
  }

  closeAfterError(errorFrame: Buffer, closeCode: number, reason: string): void {
    if (this.open) this.ws.send(errorFrame)
    this.ws.close(closeCode, reason)
    // A peer that never answers the close handshake must not keep the socket.
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref()
  }

  terminate(): void {
    this.ws.terminate()
  }
}
