import type WebSocket from 'ws'
import {backoffDelay} from '../../client/reconnect-policy.js'
import {REQUEST_DEADLINES, type DeadlineHolder} from '../../client/request-deadlines.js'
import {ImhError} from '../../protocol/index.js'
import type {AdapterSession, ConnectRequest} from './adapter.js'
import type {JsonWsOptions} from './json-ws-options.js'
import {openJsonWs} from './json-ws-open.js'
import {Waiting} from './json-ws-waiting.js'

const DEFAULT_HEARTBEAT_MS = 30_000

function noAnswer(): void {}

function closedError(what: string): ImhError {
  return new ImhError('IMH_ERR_CONNECTION_CLOSED', what)
}

/**
 * A json-ws client's session: one WebSocket at a time (another after a reconnect), the sends
 * waiting for their acks and the heartbeats waiting for their pongs. Their time limits are kept
 * by the process's one deadline sweep ({@link REQUEST_DEADLINES}): a send costs a map entry.
 */
export class JsonWsSession implements AdapterSession, DeadlineHolder {
  readonly address: string
  /** Frames that were not JSON or matched no kind (server chatter the profile does not describe). */
  ignoredFrames = 0
  private ws: WebSocket | undefined
  private readonly acks = new Waiting<string, void>()
  private readonly pongs = new Waiting<number, number>()
  private pingN = 0
  private closing = false
  private ended = false
  private beat: NodeJS.Timeout | undefined
  private backoff: NodeJS.Timeout | undefined
  private lastError: Error | undefined
  /** While logging in: what the login reply (or a refusal) settles. */
  private loginWait: {resolve(): void; reject(err: Error): void} | undefined

  constructor(private readonly r: ConnectRequest<JsonWsOptions>, private readonly o: JsonWsOptions) {
    this.address = o.address.render({username: r.username, index: r.index})
  }

  /** Opens the first connection and logs in (the adapter's `connect`). */
  async start(): Promise<this> {
    await this.connectOnce(true)
    const every = this.r.heartbeat === true ? DEFAULT_HEARTBEAT_MS : this.r.heartbeat
    if (every !== false && every > 0) {
      this.beat = setInterval(this.periodicBeat, every)
      this.beat.unref()
    }
    return this
  }

  send(to: string, body: string, id: string): Promise<void> {
    const ws = this.ws
    if (!ws || ws.readyState !== 1) return Promise.reject(closedError('json-ws: not connected'))
    const frame = this.o.send!.render({to, body, id, address: this.address})
    if (!this.o.ack) {
      return new Promise((resolve, reject) => ws.send(frame, (err) => err ? reject(closedError(`json-ws: send failed: ${err.message}`)) : resolve()))
    }
    const {promise, deadline} = this.acks.add(id, this.r.requestTimeoutMs)
    REQUEST_DEADLINES.watch(this, deadline)
    ws.send(frame)
    return promise
  }

  heartbeat(): Promise<void> {
    return this.ping().then(() => undefined)
  }

  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    clearInterval(this.beat)
    clearTimeout(this.backoff)
    this.failAll(closedError('json-ws: session closed'))
    this.loginWait?.reject(closedError('json-ws: session closed while logging in'))
    const ws = this.ws
    this.ws = undefined
    if (!ws || ws.readyState === 3) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate()
        resolve()
      }, 1000)
      ws.once('close', () => {
        clearTimeout(t)
        resolve()
      })
      ws.close(1000)
    })
  }

  expireDue(now: number): number | undefined {
    const timedOut = (): Error => new ImhError('IMH_ERR_TIMEOUT', `json-ws: no answer within ${this.r.requestTimeoutMs} ms`)
    const next = Math.min(this.acks.expire(now, timedOut), this.pongs.expire(now, timedOut))
    return next === Number.POSITIVE_INFINITY ? undefined : next
  }

  /** One heartbeat round trip: the `ping` frame and its `pong`, or a WebSocket ping; resolves with its rtt in ms. */
  private ping(): Promise<number> {
    const ws = this.ws
    if (!ws || ws.readyState !== 1) return Promise.reject(closedError('json-ws: not connected'))
    const n = ++this.pingN
    const {promise, deadline} = this.pongs.add(n, this.r.requestTimeoutMs)
    REQUEST_DEADLINES.watch(this, deadline)
    if (this.o.ping) ws.send(this.o.ping.render({n, address: this.address}))
    else ws.ping()
    return promise
  }

  private readonly periodicBeat = (): void => {
    if (!this.ws) return
    this.ping().then((ms) => this.r.events.heartbeat(ms), (err: unknown) => this.r.events.error(err))
  }

  private pong(n: unknown): void {
    const key = n === undefined ? this.pongs.oldest() : Number(n)
    if (key !== undefined) this.pongs.resolve(key, (sentAt) => performance.now() - sentAt)
  }

  /** Opens a connection and logs in; on failure nothing of it is left. */
  private async connectOnce(first: boolean): Promise<void> {
    const opened = performance.now()
    const ws = await openJsonWs(this.r, this.adopt)
    const loggingIn = performance.now()
    if (first) this.r.events.timing('connect', loggingIn - opened)
    const {login, loginReply} = this.o
    if (!login) return
    try {
      const vars = {address: this.address, username: this.r.username, password: this.r.password, index: this.r.index}
      if (!loginReply) return void ws.send(login.render(vars))
      await new Promise<void>((resolve, reject) => {
        const limit = this.r.requestTimeoutMs
        const timer = setTimeout(() => reject(new ImhError('IMH_ERR_TIMEOUT', `json-ws: no login reply within ${limit} ms`)), limit)
        const settle = (fn: () => void): void => {
          clearTimeout(timer)
          this.loginWait = undefined
          fn()
        }
        this.loginWait = {resolve: () => settle(resolve), reject: (err) => settle(() => reject(err))}
        ws.send(login.render(vars))
      })
      if (first) this.r.events.timing('login', performance.now() - loggingIn)
    } catch (err) {
      this.loginWait = undefined
      if (this.ws === ws) this.ws = undefined
      ws.terminate()
      throw err
    }
  }

  /** Puts this session's listeners on a connection just opened (before any frame is emitted). */
  private readonly adopt = (ws: WebSocket): void => {
    this.ws = ws
    this.lastError = undefined
    ws.on('message', this.onFrame)
    ws.on('error', (err) => void (this.lastError = err))
    ws.on('close', (code: number) => this.lost(ws, code))
    if (!this.o.pong) ws.on('pong', () => this.pong(undefined))
  }

  /** Recognises one frame: an ack, a message, a pong, an error, else ignored. */
  private readonly onFrame = (data: WebSocket.RawData): void => {
    let frame: unknown
    try {
      frame = JSON.parse(data.toString())
    } catch {
      this.ignoredFrames++
      return
    }
    const o = this.o
    if (this.loginWait) {
      if (o.loginReply!.test(frame)) return this.loginWait.resolve()
      if (o.error?.test(frame)) {
        const why = o.error.get.message?.(frame)
        return this.loginWait.reject(new ImhError('IMH_ERR_BAD_CREDENTIALS', `json-ws: the server refused the login${why === undefined ? '' : `: ${String(why)}`}`))
      }
    }
    if (o.ack?.test(frame)) {
      this.acks.resolve(String(o.ack.get.id!(frame)), noAnswer)
    } else if (o.incoming!.test(frame)) {
      const body = o.incoming!.get.body!(frame)
      if (typeof body === 'string') this.r.events.message(body)
      else this.r.events.error(new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `json-ws: a message frame's body is not a string: ${JSON.stringify(body)?.slice(0, 80)}`))
    } else if (o.pong?.test(frame)) {
      this.pong(o.pong.get.n?.(frame))
    } else if (o.error?.test(frame)) {
      const id = o.error.get.id?.(frame)
      const err = new ImhError('IMH_ERR_SERVER_ERROR', `json-ws: the server answered an error: ${String(o.error.get.message?.(frame) ?? JSON.stringify(frame).slice(0, 120))}`)
      if (id === undefined || !this.acks.reject(String(id), err)) this.r.events.error(err)
    } else this.ignoredFrames++
  }

  private failAll(err: Error): void {
    this.acks.rejectAll(err)
    this.pongs.rejectAll(err)
    REQUEST_DEADLINES.forget(this)
  }

  /** The connection closed: come back if the request says how, else end the session (once). */
  private lost(ws: WebSocket, code: number): void {
    if (ws !== this.ws || this.closing) return
    this.ws = undefined
    if (this.loginWait) return this.loginWait.reject(new ImhError('IMH_ERR_CONNECT_FAILED', `json-ws: the server closed the connection during login (code ${code})`))
    const why = `json-ws: the server closed the connection (code ${code}${this.lastError ? `, ${this.lastError.message}` : ''})`
    this.failAll(closedError(why))
    if (this.r.reconnect) {
      this.r.events.disconnected?.()
      void this.reconnect(performance.now(), why)
    } else this.end(closedError(why))
  }

  private end(err: Error): void {
    if (this.ended || this.closing) return
    this.ended = true
    clearInterval(this.beat)
    this.r.events.closed(err)
  }

  private async reconnect(lostAt: number, why: string): Promise<void> {
    const policy = this.r.reconnect!
    let last: unknown
    for (let attempt = 0; attempt < policy.attempts; attempt++) {
      await new Promise((resolve) => (this.backoff = setTimeout(resolve, backoffDelay(policy, attempt))))
      if (this.closing) return
      try {
        await this.connectOnce(false)
        if (this.closing) return void this.ws?.terminate()
        this.r.events.reconnected({reconnectMs: performance.now() - lostAt})
        return
      } catch (err) {
        last = err
      }
    }
    this.end(closedError(`${why}; ${policy.attempts} reconnects failed, the last: ${(last as Error)?.message}`))
  }
}
