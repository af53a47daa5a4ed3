import {EventEmitter} from 'node:events'
import type WebSocket from 'ws'
import {
  CMD, DEFAULT_MAX_BODY_BYTES, type Frame, HEAD_LEN, ImhError, PUSH_SEQ, cmdName, decodeFrame,
  encodeFrame, parseErrorReply, parseJsonBody, replyParser,
} from '../protocol/index.js'
import {dropEmptyListenerTable} from './listener-table.js'
import {type LinkTransportKind, type TransportSink, transportOf} from './link-transport.js'
import {type StreamTransport, openStreamTransport} from './stream-transport.js'
import {WsTransport, openWsTransport} from './ws-transport.js'
import {type DeadlineHolder, REQUEST_DEADLINES} from './request-deadlines.js'
import {serverError} from './server-error.js'
import {previewBody, type TraceSink} from './trace.js'

export interface LongLinkOptions {
  connectTimeoutMs?: number
  requestTimeoutMs?: number
  /** Source address to connect from (spreads connections over 127.0.0.x). */
  localAddress?: string
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  maxBodyBytes?: number
  /** Requests awaiting an answer at most; more is a harness bug or a stuck server. */
  maxPending?: number
  trace?: TraceSink
}

export interface CloseInfo {
  code: number
  reason: string
}

interface Pending {
  seq: number
  cmd: number
  /** With the reply frame ({@link LongLink.request}), or its checked JSON body ({@link LongLink.call}). */
  resolve: (reply: never) => void
  reject: (e: Error) => void
  /** performance.now() ms after which the request has timed out (see RequestDeadlines). */
  deadline: number
  timeoutMs: number
  /** Resolve with the body parsed and checked (call) rather than the frame (request). */
  parse: boolean
}

/**
 * Who a link tells of its pushes and its close by a direct call, before the 'push' and 'close'
 * events: what a VirtualClient is to its link. Thousands of links in a load worker then carry no
 * listener closures and no listener table of their own.
 */
export interface LinkOwner {
  linkPush(frame: Frame): void
  linkClosed(info: CloseInfo): void
}

/**
 * A client long link (PROTOCOL.md §4): one WebSocket or one TCP/TLS stream (the transport, by the
 * address's scheme), numbered requests matched to replies by seq, pushes (seq 0) emitted as
 * 'push'. Emits 'close' with the code and reason once; over a stream the code is the one a
 * WebSocket server would have sent (stream-transport.ts).
 */
export class LongLink extends EventEmitter<{push: [Frame]; close: [CloseInfo]; 'bad-frame': [Error, Buffer]}> implements DeadlineHolder, TransportSink {
  private seq = 0
  /**
   * The request awaiting its reply, when one does: nearly always at most one, so no table is made
   * and dropped per request (a Map per request was a tenth of the link's garbage on the chat path).
   */
  private one: Pending | undefined
  /** Requests awaiting replies beside `one`, by seq; made when needed and dropped when none is left. */
  private more: Map<number, Pending> | undefined
  closed: CloseInfo | undefined
  /** Told of pushes and the close before the events are emitted (see {@link LinkOwner}). */
  owner: LinkOwner | undefined
  private readonly requestTimeoutMs: number
  private readonly maxPending: number
  private readonly maxBodyBytes: number | undefined
  private readonly trace: TraceSink | undefined

  private constructor(readonly transport: WsTransport | StreamTransport, options: LongLinkOptions) {
    super()
    dropEmptyListenerTable(this)
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000
    this.maxPending = options.maxPending ?? 10_000
    this.maxBodyBytes = options.maxBodyBytes
    this.trace = options.trace
    transport.attach(this)
  }

  /**
   * Opens a link to a long-group address: `ws://`/`wss://` over WebSocket, `tcp://`/`tls://` as a
   * byte stream. Rejects with IMH_ERR_CONNECT_FAILED, or IMH_ERR_INVALID_OPTION for another scheme.
   */
  static connect(url: string, options: LongLinkOptions = {}): Promise<LongLink> {
    const timeout = options.connectTimeoutMs ?? 10_000
    const adopt = (t: WsTransport | StreamTransport): LongLink => {
      options.trace?.({t: 0, dir: 'event', note: `connected to ${url}`})
      return new LongLink(t, options)
    }
    const kind = transportOf(url)
    if (kind === 'tcp') {
      return openStreamTransport(url, {localAddress: options.localAddress, ca: options.ca, rejectUnauthorized: options.rejectUnauthorized, maxBodyBytes: options.maxBodyBytes}, timeout, `long link ${url}`, adopt)
    }
    if (kind !== 'ws') return Promise.reject(new ImhError('IMH_ERR_INVALID_OPTION', `long link ${url}: not a ws://, wss://, tcp:// or tls:// address`))
    return openWsTransport(url, {
      perMessageDeflate: false,
      maxPayload: HEAD_LEN + (options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
      localAddress: options.localAddress,
      ca: options.ca,
      rejectUnauthorized: options.rejectUnauthorized,
    }, timeout, `long link ${url}`, adopt)
  }

  /** The transport's kind: `ws` or `tcp` (TCP or TLS). */
  get transportKind(): LinkTransportKind {
    return this.transport.kind
  }

  /** The address the link was opened to. */
  get url(): string {
    return this.transport.url
  }

  /**
   * The WebSocket under a `ws` link, for what only a WebSocket has (pings, messages as they
   * came); throws IMH_ERR_INVALID_OPTION on a stream link.
   */
  get ws(): WebSocket {
    if (this.transport instanceof WsTransport) return this.transport.ws
    throw new ImhError('IMH_ERR_INVALID_OPTION', `the link to ${this.transport.url} is a ${this.transport.kind} stream, not a WebSocket`)
  }

  /** The seq the next request will carry: 1, 2, … wrapping past 2^32−1 to 1 (PROTOCOL.md §4.4). */
  nextSeq(): number {
    this.seq = this.seq >= 0xffff_ffff ? 1 : this.seq + 1
    return this.seq
  }

  /** Sends a request and resolves with its reply frame; an ERROR reply rejects with its code. */
  request(cmd: number, body?: unknown, timeoutMs = this.requestTimeoutMs): Promise<Frame> {
    return this.enqueue<Frame>(cmd, body, timeoutMs, false)
  }

  /** Sends a request and returns its checked JSON reply body. */
  call<T>(cmd: number, body?: unknown, timeoutMs = this.requestTimeoutMs): Promise<T> {
    // The body is read where the reply is matched: no second promise and turn per call.
    return this.enqueue<T>(cmd, body, timeoutMs, true)
  }

  private enqueue<T>(cmd: number, body: unknown, timeoutMs: number, parse: boolean): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError(cmd))
    const waiting = this.pendingRequests
    if (waiting >= this.maxPending) return Promise.reject(new ImhError('IMH_ERR_TOO_MANY_PENDING', `${waiting} requests already await an answer`))
    const seq = this.nextSeq()
    const deadline = performance.now() + timeoutMs
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {seq, cmd, resolve: resolve as (reply: never) => void, reject, deadline, timeoutMs, parse}
      if (this.one === undefined) this.one = p
      else (this.more ??= new Map()).set(seq, p)
      REQUEST_DEADLINES.watch(this, deadline)
      this.sendFrame(cmd, seq, body)
    })
  }

  /** @internal Times out the requests due by `now` (RequestDeadlines); the earliest deadline left. */
  expireDue(now: number): number | undefined {
    let next: number | undefined
    for (const p of this.waiting()) {
      if (p.deadline <= now) {
        this.take(p.seq)
        p.reject(new ImhError('IMH_ERR_TIMEOUT', `${cmdName(p.cmd)} seq ${p.seq}: no reply within ${p.timeoutMs} ms`, {cmd: p.cmd, seq: p.seq}))
      } else if (next === undefined || p.deadline < next) {
        next = p.deadline
      }
    }
    return next
  }

  /** Every request awaiting its reply in the order they were sent, a copy (settling one while walking them is safe). */
  private waiting(): Pending[] {
    if (!this.more) return this.one ? [this.one] : []
    const all = [...this.more.values()]
    // `one` may be newer than some in `more` (it is refilled when it settles first).
    if (this.one) all.push(this.one)
    return all.sort((a, b) => a.seq - b.seq)
  }

  /** Forgets and returns the request `seq` (its answer came, or it timed out); an idle link holds no table. */
  private take(seq: number): Pending | undefined {
    const one = this.one
    if (one !== undefined && one.seq === seq) {
      this.one = undefined
      return one
    }
    const more = this.more
    const p = more?.get(seq)
    if (p === undefined) return undefined
    more!.delete(seq)
    if (more!.size === 0) this.more = undefined
    return p
  }

  sendFrame(cmd: number, seq: number, body?: unknown): void {
    const buf = encodeFrame(cmd, seq, body)
    this.trace?.({t: 0, dir: 'send', cmd, name: cmdName(cmd), seq, bodyLen: buf.length - HEAD_LEN, body: previewBody(buf.subarray(HEAD_LEN))})
    this.transport.send(buf)
  }

  /** Sends bytes as they are: on a WebSocket one binary message, or a text message for a string; on a stream the bytes. */
  sendRaw(data: Buffer | string, note = 'raw'): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    this.trace?.({t: 0, dir: 'send', bodyLen: bytes.length, body: typeof data === 'string' ? data.slice(0, 200) : bytes.subarray(0, 64).toString('hex'), note})
    this.transport.sendRaw(data)
  }

  /** Resolves when the link is closed, with how; rejects after timeoutMs. */
  waitClose(timeoutMs = this.requestTimeoutMs): Promise<CloseInfo> {
    if (this.closed) return Promise.resolve(this.closed)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('close', done)
        reject(new ImhError('IMH_ERR_TIMEOUT', `link still open after ${timeoutMs} ms`))
      }, timeoutMs)
      const done = (info: CloseInfo) => {
        clearTimeout(timer)
        resolve(info)
      }
      this.once('close', done)
    })
  }

  /** Resolves with the next push frame that matches, or rejects after timeoutMs. */
  waitPush(match: (f: Frame) => boolean, timeoutMs = this.requestTimeoutMs): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.off('push', onPush)
        this.off('close', onClose)
      }
      const onPush = (f: Frame) => {
        if (!match(f)) return
        cleanup()
        resolve(f)
      }
      const onClose = () => {
        cleanup()
        reject(this.closedError(CMD.SYNC_NOTIFY))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new ImhError('IMH_ERR_TIMEOUT', `no matching push within ${timeoutMs} ms`))
      }, timeoutMs)
      this.on('push', onPush)
      this.on('close', onClose)
    })
  }

  get pendingRequests(): number {
    return (this.one === undefined ? 0 : 1) + (this.more?.size ?? 0)
  }

  close(code = 1000): void {
    this.transport.close(code)
  }

  terminate(): void {
    this.transport.terminate()
  }

  /** @internal A WebSocket message (TransportSink). */
  onMessage(data: Buffer, isBinary: boolean): void {
    let frame: Frame
    try {
      if (!isBinary) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', 'server sent a text message')
      frame = decodeFrame(data, this.maxBodyBytes)
    } catch (err) {
      this.onBadBytes(err as Error, data)
      return
    }
    this.onFrame(frame)
  }

  /** @internal Bytes that are no frame (TransportSink). */
  onBadBytes(err: Error, data: Buffer): void {
    this.trace?.({t: 0, dir: 'recv', bodyLen: data.length, body: data.subarray(0, 64).toString('hex'), note: `undecodable: ${err.message}`})
    this.emit('bad-frame', err, data)
  }

  /** @internal One frame from the server (TransportSink): a reply to a request, or a push. */
  onFrame(frame: Frame): void {
    this.trace?.({t: 0, dir: 'recv', cmd: frame.cmd, name: cmdName(frame.cmd), seq: frame.seq, bodyLen: frame.body.length, body: previewBody(frame.body)})
    const waiting = frame.seq === PUSH_SEQ ? undefined : this.take(frame.seq)
    if (!waiting) {
      this.owner?.linkPush(frame)
      this.emit('push', frame)
      return
    }
    if (frame.cmd === CMD.ERROR) {
      let body: unknown
      try {
        body = parseErrorReply(parseJsonBody(frame.body))
      } catch (err) {
        waiting.reject(err as Error)
        return
      }
      waiting.reject(serverError(body as object, {cmd: waiting.cmd, seq: frame.seq}))
    } else if (frame.cmd !== waiting.cmd) {
      waiting.reject(new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `reply to ${cmdName(waiting.cmd)} seq ${frame.seq} came as ${cmdName(frame.cmd)}`))
    } else if (!waiting.parse) {
      waiting.resolve(frame as never)
    } else {
      let reply: unknown
      try {
        const json = parseJsonBody(frame.body)
        const parse = replyParser(frame.cmd)
        reply = parse ? parse(json) : json
      } catch (err) {
        waiting.reject(err as Error)
        return
      }
      waiting.resolve(reply as never)
    }
  }

  /** @internal The connection closed (TransportSink). */
  onClose(code: number, reason: string): void {
    this.closed = {code, reason}
    this.trace?.({t: 0, dir: 'event', note: `closed ${code} ${reason}`})
    const pending = this.waiting()
    this.one = undefined
    this.more = undefined
    REQUEST_DEADLINES.forget(this)
    for (const p of pending) p.reject(this.closedError(p.cmd, p.seq))
    this.owner?.linkClosed(this.closed)
    this.emit('close', this.closed)
  }

  private closedError(cmd: number, seq?: number): ImhError {
    return new ImhError('IMH_ERR_CONNECTION_CLOSED', `${cmdName(cmd)}${seq ? ` seq ${seq}` : ''}: link closed${this.closed ? ` (${this.closed.code} ${this.closed.reason})` : ''}`, {close: this.closed})
  }
}
