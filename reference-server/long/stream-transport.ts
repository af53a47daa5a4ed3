import type {Socket} from 'node:net'
import {FrameStreamDecoder, HEAD_LEN, ImhError} from '../../src/protocol/index.js'
import {CLOSE_GRACE_MS, type LinkTransport, type TransportSink} from './link-transport.js'

/**
 * A long link over a byte stream (tcp://, tls://): the same frames back to back, as Tencent Mars
 * sends them (PROTOCOL.md §4.2). A frame may come in any number of reads and a read may hold any
 * number of frames. Buffered input is bounded: the decoder refuses a header announcing a body over
 * `maxBodyBytes` before buffering it, so at most one frame and one read wait here; whole frames
 * wait in the connection's queue, which pauses the socket when full (§5.6). A frame begun must be
 * complete within `frameTimeoutMs` of its first byte, or the link ends with IMH_ERR_FRAME_TIMEOUT
 * (a peer trickling bytes must not hold a connection and its buffer for ever).
 */
export class StreamTransport implements LinkTransport {
  readonly kind = 'stream'
  private readonly decoder: FrameStreamDecoder
  /** Input ended: a fatal error was delivered, or the server is closing. Later bytes are dropped unread. */
  private done = false
  private paused = false
  private frameTimer: NodeJS.Timeout | undefined
  private sink: TransportSink | undefined

  constructor(private readonly socket: Socket, maxBodyBytes: number, private readonly frameTimeoutMs: number) {
    this.decoder = new FrameStreamDecoder(maxBodyBytes)
    // Small frames both ways: Nagle's delay would hold a heartbeat's echo for up to 40 ms.
    socket.setNoDelay(true)
  }

  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable
  }

  get bufferedAmount(): number {
    return this.socket.writableLength
  }

  get isPaused(): boolean {
    return this.paused
  }

  attach(sink: TransportSink): void {
    this.sink = sink
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('close', () => {
      this.stopTimer()
      // A partial header or body at close is discarded: nothing of it is processed.
      sink.closed()
    })
    this.socket.on('error', () => {})
  }

  private onData(chunk: Buffer): void {
    if (this.done) return
    const before = this.decoder.pendingBytes
    let frames = 0
    try {
      // Frames before a bad header in the same read are delivered, and answered, before its error.
      this.decoder.feed(chunk, (frame) => {
        frames++
        this.sink!.inbound({frame, bytes: HEAD_LEN + frame.body.length})
      })
    } catch (err) {
      this.fail(err as ImhError, this.decoder.pendingBytes)
      return
    }
    // The timer runs from a frame's first byte: kept while the same frame is still incomplete,
    // started afresh when a new one began in this read.
    if (this.decoder.pendingBytes === 0) this.stopTimer()
    else if (frames > 0 || before === 0 || !this.frameTimer) this.startTimer()
  }

  private startTimer(): void {
    this.stopTimer()
    if (this.paused || this.done) return
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined
      const pending = this.decoder.pendingBytes
      this.fail(new ImhError('IMH_ERR_FRAME_TIMEOUT', `${pending} bytes of a frame came and the rest did not within ${this.frameTimeoutMs} ms`), pending)
    }, this.frameTimeoutMs)
  }

  private stopTimer(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer)
    this.frameTimer = undefined
  }

  /** The input can no longer be trusted: the error is the last thing delivered (§4.5). */
  private fail(err: ImhError, bytes: number): void {
    this.done = true
    this.stopTimer()
    this.sink!.inbound({error: err, bytes})
  }

  send(frame: Buffer): void {
    this.socket.write(frame)
  }

  cork(): void {
    this.socket.cork()
  }

  uncork(): void {
    this.socket.uncork()
  }

  pause(): void {
    this.paused = true
    this.socket.pause()
    // Not read is not late: a frame the server stopped reading cannot time out.
    this.stopTimer()
  }

  resume(): void {
    this.paused = false
    this.socket.resume()
    if (this.decoder.pendingBytes > 0 && !this.done) this.startTimer()
  }

  closeAfterError(errorFrame: Buffer, _closeCode: number, _reason: string): void {
    this.done = true
    this.stopTimer()
    // A stream has no close code: the ERROR is the last frame, then the server's FIN. Later
    // bytes are read and dropped, so that unread input does not turn the close into a reset
    // that could destroy the ERROR before the peer reads it.
    this.paused = false
    this.socket.resume()
    if (!this.socket.destroyed) this.socket.end(errorFrame)
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref()
  }

  terminate(): void {
    this.done = true
    this.stopTimer()
    this.socket.destroy()
  }
}
