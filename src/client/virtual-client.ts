import {EventEmitter} from 'node:events'
import type {Dispatcher} from 'undici'
import {
  type AuthReply, CMD, type ChatMessage, type Credentials, type ErrorReply, type Frame, ImhError, type MomentNotice, type SendMsgReply,
  type SyncKey, type SyncReply, isImhError, parseErrorReply, parseJsonBody, parseNoticeSyncReply, parseSyncCategory,
} from '../protocol/index.js'
import {LongLink, type CloseInfo} from './long-link.js'
import {type Resolved, type ResolveOptions, resolveServices} from './resolve.js'
import {ShortClient} from './short-client.js'
import type {TraceSink} from './trace.js'

export interface VirtualClientOptions {
  /** How to find the servers; or give `resolved` to skip the look-up. */
  resolve?: ResolveOptions
  resolved?: Resolved
  credentials: Credentials
  /** Register first; an existing username is fine. */
  register?: boolean
  /** Heartbeat interval: the server's announced one (default), a number of ms, or false. */
  heartbeat?: boolean | number
  /** Pull on every SYNC_NOTIFY and right after AUTH (default true). */
  autoSync?: boolean
  syncPageLimit?: number
  requestTimeoutMs?: number
  localAddress?: string
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  dispatcher?: Dispatcher
  trace?: TraceSink
}

export interface VirtualClientEvents {
  /** A message pulled by SYNC, in the order the server gave it. */
  message: [ChatMessage]
  notify: []
  /** A like or comment notice pulled by SYNC category moments (PROTOCOL.md §15.6). */
  notice: [MomentNotice]
  'moments-notify': []
  heartbeat: [rttMs: number]
  /** How long each step of start() / connect() took: the scheduler look-up, login, connect + AUTH. */
  timing: [phase: 'scheduler' | 'login' | 'connect', ms: number]
  /** The server ended the session: kicked, timed out, or another fatal error. */
  'server-error': [ErrorReply]
  resync: [SyncKey]
  close: [CloseInfo]
  error: [Error]
}

/**
 * One simulated user (flows.md §2–§3): scheduler look-up, login on the short link, AUTH on the
 * long link, heartbeat loop and the notify-then-pull SYNC state machine.
 */
export class VirtualClient extends EventEmitter<VirtualClientEvents> {
  userId: string | undefined
  short: ShortClient | undefined
  link: LongLink | undefined
  auth: AuthReply | undefined
  resolved: Resolved | undefined
  syncKey: SyncKey = {epoch: 0, seq: 0}
  /** The key of the `moments` inbox (PROTOCOL.md §15.6), apart from chat's. */
  momentsKey: SyncKey = {epoch: 0, seq: 0}
  private momentsPull: Promise<void> | undefined
  private momentsAgain = false
  private syncing = false
  private syncAgain = false
  private syncDone: Promise<void> = Promise.resolve()
  private heartbeatTimer: NodeJS.Timeout | undefined

  constructor(readonly options: VirtualClientOptions) {
    super()
  }

  /** Resolves services, logs in and opens the long link; ends with a first SYNC. */
  async start(): Promise<this> {
    const o = this.options
    if (o.resolved) {
      this.resolved = o.resolved
    } else {
      const t0 = performance.now()
      this.resolved = await resolveServices(o.resolve ?? {})
      this.emit('timing', 'scheduler', performance.now() - t0)
    }
    this.short = new ShortClient(this.resolved.groups.short[0]!, {dispatcher: o.dispatcher, timeoutMs: o.requestTimeoutMs})
    if (o.register) {
      try {
        await this.short.register(o.credentials)
      } catch (err) {
        if (!isImhError(err, 'IMH_ERR_USER_EXISTS')) throw err
      }
    }
    const t0 = performance.now()
    const login = await this.short.login(o.credentials)
    this.emit('timing', 'login', performance.now() - t0)
    this.userId = login.userId
    await this.connect()
    return this
  }

  /**
   * Opens the long link and authenticates with the current token: the group's addresses in the
   * scheduler's order, the next on a connect failure; on 1102 (wrong node) one fresh look-up
   * that bypasses any cached answer (PROTOCOL.md §2.4, §3.2).
   */
  async connect(): Promise<void> {
    try {
      await this.connectOnce()
    } catch (err) {
      if (!isImhError(err, 'IMH_ERR_WRONG_NODE') || this.options.resolved) throw err
      this.resolved = await resolveServices({...this.options.resolve, cache: undefined})
      await this.connectOnce()
    }
  }

  private async connectOnce(): Promise<void> {
    const o = this.options
    const urls = this.resolved!.groups.long
    let lastError: unknown
    this.link = undefined
    const t0 = performance.now()
    for (const url of urls) {
      try {
        this.link = await LongLink.connect(url, {requestTimeoutMs: o.requestTimeoutMs, localAddress: o.localAddress, ca: o.ca, rejectUnauthorized: o.rejectUnauthorized, trace: o.trace})
        break
      } catch (err) {
        lastError = err
      }
    }
    if (!this.link) throw lastError ?? new ImhError('IMH_ERR_CONNECT_FAILED', 'the scheduler lists no long-link address')
    this.link.on('push', (f) => this.onPush(f))
    this.link.on('close', (info) => {
      this.stopHeartbeat()
      this.emit('close', info)
    })
    this.auth = await this.link.call<AuthReply>(CMD.AUTH, {token: this.short!.token})
    this.emit('timing', 'connect', performance.now() - t0)
    const interval = o.heartbeat === false ? 0 : typeof o.heartbeat === 'number' ? o.heartbeat : this.auth.heartbeatIntervalMs
    if (interval > 0) this.startHeartbeat(interval)
    if (o.autoSync !== false) await this.sync()
  }

  /** One NOOP round trip; resolves with its time in ms. */
  async heartbeat(): Promise<number> {
    const t0 = performance.now()
    await this.link!.request(CMD.NOOP)
    const rtt = performance.now() - t0
    this.emit('heartbeat', rtt)
    return rtt
  }

  sendText(to: string, content: string, clientMsgId: string): Promise<SendMsgReply> {
    return this.link!.call<SendMsgReply>(CMD.SEND_MSG, {clientMsgId, to, type: 'text', content})
  }

  /**
   * Pulls until the server says nothing remains. Concurrent calls (a notify during a pull) fold
   * into one more round, so no notify is lost and no two pulls overlap.
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true
      return this.syncDone
    }
    this.syncing = true
    this.syncDone = this.pullLoop().finally(() => {
      this.syncing = false
    })
    return this.syncDone
  }

  private async pullLoop(): Promise<void> {
    let more = true
    while (more) {
      this.syncAgain = false
      const limit = this.options.syncPageLimit
      const reply = await this.link!.call<SyncReply>(CMD.SYNC, limit ? {syncKey: this.syncKey, limit} : {syncKey: this.syncKey})
      if (reply.resync) this.emit('resync', reply.syncKey)
      this.syncKey = reply.syncKey
      for (const m of reply.messages) this.emit('message', m)
      more = reply.continue || this.syncAgain
    }
  }

  /** Pulls the moments inbox until nothing remains; a call during a pull adds one more round. */
  syncMoments(): Promise<void> {
    if (this.momentsPull) {
      this.momentsAgain = true
      return this.momentsPull
    }
    this.momentsPull = (async () => {
      let more = true
      while (more) {
        this.momentsAgain = false
        const frame = await this.link!.request(CMD.SYNC, {syncKey: this.momentsKey, category: 'moments'})
        const reply = parseNoticeSyncReply(parseJsonBody(frame.body))
        this.momentsKey = reply.syncKey
        for (const n of reply.notices) this.emit('notice', n)
        more = reply.continue || this.momentsAgain
      }
    })().finally(() => {
      this.momentsPull = undefined
    })
    return this.momentsPull
  }

  private onPush(frame: Frame): void {
    if (frame.cmd === CMD.SYNC_NOTIFY && frame.body.length > 0 && this.notifyCategory(frame) === 'moments') {
      this.emit('moments-notify')
      if (this.options.autoSync !== false) this.syncMoments().catch((err) => this.emit('error', err))
    } else if (frame.cmd === CMD.SYNC_NOTIFY) {
      this.emit('notify')
      if (this.options.autoSync !== false) this.sync().catch((err) => this.emit('error', err))
    } else if (frame.cmd === CMD.ERROR) {
      try {
        this.emit('server-error', parseErrorReply(parseJsonBody(frame.body)))
      } catch (err) {
        this.emit('error', err as Error)
      }
    }
    // Pushes of commands this client does not know are ignored (PROTOCOL.md §4.3).
  }

  /** The category a SYNC_NOTIFY names; an empty or unreadable body is chat's (PROTOCOL.md §6.3). */
  private notifyCategory(frame: Frame): string {
    try {
      const body = parseJsonBody(frame.body) as {category?: unknown}
      return parseSyncCategory(body?.category, 'IMH_ERR_PROTOCOL_VIOLATION', 'SYNC_NOTIFY')
    } catch {
      return 'chat'
    }
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat()
    this.heartbeatTimer = setInterval(() => {
      this.heartbeat().catch((err) => {
        if (!isImhError(err, 'IMH_ERR_CONNECTION_CLOSED')) this.emit('error', err)
      })
    }, intervalMs)
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  /** Closes the long link and waits for it to be closed. */
  async close(): Promise<void> {
    this.stopHeartbeat()
    const link = this.link
    if (!link || link.closed) return
    link.close()
    await link.waitClose(5000).catch(() => link.terminate())
  }
}
