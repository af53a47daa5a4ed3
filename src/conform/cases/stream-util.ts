import {connect as connectTcp, type Socket} from 'node:net'
import {connect as connectTls} from 'node:tls'
import {CMD, type Frame, FrameStreamDecoder, ImhError, cmdName, isStreamAddress, parseJsonBody} from '../../protocol/index.js'

export interface RawStreamOptions {
  /** CA certificate(s) to trust for tls:// (a self-signed test server's). */
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  timeoutMs?: number
}

/**
 * A long link over a byte stream (tcp://, tls://) that writes whatever bytes it is given, split
 * and joined as the caller likes, and records every frame the server sends and when it closed:
 * what the stream-only cases and the fuzzer need, and what a well-behaved client never does.
 */
export class RawStream {
  readonly frames: Frame[] = []
  /** Set when the server's bytes did not decode as frames. */
  decodeError: ImhError | undefined
  private closedAt: number | undefined
  private readonly waiters = new Set<() => void>()
  private readonly decoder = new FrameStreamDecoder(16 * 1024 * 1024)

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.decodeError) return
      try {
        this.decoder.feed(chunk, (f) => this.frames.push(f))
      } catch (err) {
        this.decodeError = err as ImhError
      }
      this.wake()
    })
    socket.on('close', () => {
      this.closedAt = performance.now()
      this.wake()
    })
    socket.on('error', () => {})
  }

  /** Connects to a tcp:// or tls:// address within `timeoutMs` (default 5 s). */
  static connect(url: string, options: RawStreamOptions = {}): Promise<RawStream> {
    const u = new URL(url)
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
    const port = Number(u.port)
    if (!isStreamAddress(url) || !port) return Promise.reject(new ImhError('IMH_ERR_CONNECT_FAILED', `${url}: not a tcp:// or tls:// address with a port`))
    return new Promise((resolve, reject) => {
      const socket = u.protocol === 'tls:'
        ? connectTls({host, port, ca: options.ca, rejectUnauthorized: options.rejectUnauthorized ?? true, servername: /^[\d.:]+$/.test(host) ? undefined : host})
        : connectTcp({host, port})
      const timer = setTimeout(() => fail(new Error(`no connection within ${options.timeoutMs ?? 5000} ms`)), options.timeoutMs ?? 5000)
      const fail = (err: Error): void => {
        clearTimeout(timer)
        socket.destroy()
        reject(new ImhError('IMH_ERR_CONNECT_FAILED', `${url}: ${err.message}`))
      }
      socket.once('error', fail)
      socket.once(u.protocol === 'tls:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', fail)
        socket.setNoDelay(true)
        resolve(new RawStream(socket))
      })
    })
  }

  get closed(): boolean {
    return this.closedAt !== undefined
  }

  /** Writes bytes as one write call; false when the socket is gone. */
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false
    this.socket.write(bytes)
    return true
  }

  /** Writes `bytes` in pieces of the given sizes, `gapMs` apart (0: one tick apart). */
  async writeSplit(bytes: Buffer, sizes: readonly number[], gapMs = 0): Promise<void> {
    let at = 0
    for (const size of sizes) {
      if (at >= bytes.length) break
      this.write(bytes.subarray(at, at + size))
      at += size
      await new Promise((r) => setTimeout(r, gapMs))
    }
    if (at < bytes.length) this.write(bytes.subarray(at))
  }

  /** Resolves when `cond` holds or the link closed, or `timeoutMs` passed; returns whether `cond` held. */
  async until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs
    while (!cond() && !this.closed) {
      const left = deadline - performance.now()
      if (left <= 0) break
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer)
          this.waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, left)
        this.waiters.add(wake)
      })
    }
    return cond()
  }

  /** The first frame recorded that matches, waiting up to `timeoutMs`. */
  async find(match: (f: Frame) => boolean, timeoutMs: number): Promise<Frame | undefined> {
    await this.until(() => this.frames.some(match), timeoutMs)
    return this.frames.find(match)
  }

  /** Resolves true once the server closed the link, false after `timeoutMs`. */
  waitClose(timeoutMs: number): Promise<boolean> {
    return this.until(() => this.closed, timeoutMs).then(() => this.closed)
  }

  /** What the server sent, for failure messages: "NOOP seq 2, ERROR seq 0 IMH_ERR_…". */
  summary(): string {
    if (this.frames.length === 0) return 'nothing'
    return this.frames.map(describe).join(', ')
  }

  /** Our end: closes the socket at once. */
  destroy(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const waiters = [...this.waiters]
    this.waiters.clear()
    for (const w of waiters) w()
  }
}

/** "ERROR seq 0 IMH_ERR_FRAME_TIMEOUT", "NOOP seq 2". */
function describe(f: Frame): string {
  let code = ''
  if (f.cmd === CMD.ERROR) {
    try {
      code = ` ${(parseJsonBody(f.body) as {code?: string}).code ?? ''}`
    } catch {
      code = ' (body not JSON)'
    }
  }
  return `${cmdName(f.cmd)} seq ${f.seq}${code}`
}
