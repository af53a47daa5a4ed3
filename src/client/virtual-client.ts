import {EventEmitter} from 'node:events'
import type {Dispatcher} from 'undici'
import {
  type AuthReply, CMD, type Credentials, DEFAULT_SYNC_CATEGORY, ERRORS, type ErrorReply, type Frame, ImhError, SYNC_CATEGORY_SPECS,
  type SendMsgReply, type SyncCategory, type SyncCategorySpecs, type SyncItemOf, type SyncKey, checkSyncPage, isImhError, pageItems,
  parseErrorReply, parseJsonBody, parseSyncNotify, syncCategory,
} from '../protocol/index.js'
import {CoalescingLoop} from './coalescing-loop.js'
import {dropEmptyListenerTable} from './listener-table.js'
import {type LinkTransportKind, longUrlsFor} from './link-transport.js'
import {type CloseInfo, type LinkOwner, LongLink} from './long-link.js'
import {type Periodic, PeriodicWheel} from './periodic-wheel.js'
import {type ReconnectPolicy, backoffDelay} from './reconnect-policy.js'
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
  /**
   * Pull a category on each of its SYNC_NOTIFYs, and the default category (chat) right after AUTH
   * (default true). Other categories are first pulled on their first notify, so a server that
   * lacks them is never asked about them.
   */
  autoSync?: boolean
  syncPageLimit?: number
  requestTimeoutMs?: number
  /**
   * The long link's transport: only the long group's addresses of it are tried (ws:// and wss://,
   * or tcp:// and tls://), and none listed is IMH_ERR_NO_TRANSPORT. Absent: the group's order,
   * in which a scheduler lists ws:// first (PROTOCOL.md §2.2).
   */
  transport?: LinkTransportKind
  localAddress?: string
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  dispatcher?: Dispatcher
  trace?: TraceSink
  /**
   * Told of every event with the client, before its listeners: one observer can serve thousands
   * of clients, where a listener costs each client a closure and an entry in its listener table.
   * An observer that takes 'error' stands in for an 'error' listener.
   */
  observer?: ClientObserver
  /**
   * Come back after the long link is lost (not after close() or a fatal error such as a kick):
   * back off (reconnect-policy.ts), look the servers up afresh, AUTH with the same token on
   * whichever node is listed, and pull every category from its SyncKey. Absent: a lost link ends
   * the client ('close').
   */
  reconnect?: ReconnectPolicy
}

/** What a reconnection took: from the lost link to the AUTH reply, and from there to the end of the catch-up SYNC. */
export interface ReconnectInfo {
  attempts: number
  reconnectMs: number
  resyncMs: number
}

/**
 * For each SYNC category a flow declares: each entry pulled, in the order the server gave it, as
 * the category's `itemEvent` (chat's messages as 'message', moments' notices as 'notice'), and each
 * SYNC_NOTIFY of the category as its `notifyEvent` ('notify' for chat).
 */
export type SyncEvents = {[C in SyncCategorySpecs as C['itemEvent']]: [SyncItemOf<C>]} & {[C in SyncCategorySpecs as C['notifyEvent']]: []}

export type VirtualClientEvents = SyncEvents & {
  heartbeat: [rttMs: number]
  /** How long each step of start() / connect() took: the scheduler look-up, login, connect + AUTH. */
  timing: [phase: 'scheduler' | 'login' | 'connect', ms: number]
  /** The server ended the session: kicked, timed out, or another fatal error. */
  'server-error': [ErrorReply]
  /** The link was lost and the client tries again after `delayMs` (try `attempt`, from 1). */
  reconnecting: [attempt: number, delayMs: number]
  /** The client is back: linked, authenticated and caught up (VirtualClientOptions.reconnect). */
  reconnected: [ReconnectInfo]
  /** Every try failed; the client stays closed. */
  'reconnect-failed': [Error]
  /** The server reset a category's inbox (PROTOCOL.md §6.6); the key is the new one. */
  resync: [SyncKey, SyncCategory]
  close: [CloseInfo]
  error: [Error]
}

/** What a {@link VirtualClientOptions.observer} may take: any event, with the client it came from. */
export type ClientObserver = {[E in keyof VirtualClientEvents]?: (client: VirtualClient, ...args: VirtualClientEvents[E]) => void}

/** Every category's key before its first pull; a pull replaces a key, never changes one. */
const INITIAL_KEYS = Object.freeze(Object.fromEntries(SYNC_CATEGORY_SPECS.map((c) => [c.name, Object.freeze({epoch: 0, seq: 0})]))) as Record<SyncCategory, SyncKey>
const SPEC_OF = new Map(SYNC_CATEGORY_SPECS.map((c) => [c.name, c]))

/**
 * One simulated user (PROTOCOL.md §2–§6): scheduler look-up, login on the short link, AUTH on the
 * long link, heartbeat loop and the notify-then-pull SYNC state machine, with one key and one pull
 * loop for each SYNC category the protocol flows declare.
 */
export class VirtualClient extends EventEmitter<VirtualClientEvents> implements LinkOwner, Periodic {
  userId: string | undefined
  short: ShortClient | undefined
  link: LongLink | undefined
  auth: AuthReply | undefined
  /** Where the servers are; a scheduler's answer is shared with the other clients that got it. */
  resolved: Resolved | undefined
  /** The key of each declared SYNC category's inbox, by name; `{0, 0}` until its first pull. */
  readonly syncKeys: Record<SyncCategory, SyncKey> = {...INITIAL_KEYS}
  /**
   * The pull loop of each category while it pulls. An idle client holds none: a loop is made by
   * the pull that needs it and dropped when its run ends.
   */
  private pulls: Map<SyncCategory, CoalescingLoop> | undefined
  /** The process's wheel of this client's heartbeat period, while it heartbeats. */
  private heartbeats: PeriodicWheel | undefined
  /** Set by close(), and by a fatal error from the server: a lost link is then not reconnected. */
  private ended = false
  /** Once linked (after start), a lost link may be reconnected. */
  private linked = false
  /** While the reconnection loop runs; `wake` cuts its back-off short when close() is called. */
  private retrying: {wake: () => void} | undefined

  constructor(readonly options: VirtualClientOptions) {
    super()
    dropEmptyListenerTable(this)
  }

  /** Tells the observer first; an 'error' the observer took needs no listener. */
  override emit<K extends keyof VirtualClientEvents>(event: K, ...args: VirtualClientEvents[K]): boolean {
    const observer = this.options.observer
    const observe = observer?.[event] as ((this: ClientObserver, client: VirtualClient, ...a: unknown[]) => void) | undefined
    if (observe) {
      observe.call(observer!, this, ...args)
      if (event === 'error' && this.listenerCount('error') === 0) return true
    }
    return (super.emit as (event: K, ...a: unknown[]) => boolean)(event, ...args)
  }

  /**
   * Resolves services, logs in and opens the long link; ends with a first SYNC. When a cached
   * answer's servers cannot be reached (they moved, or came back elsewhere), one fresh look-up.
   */
  async start(): Promise<this> {
    const o = this.options
    if (o.resolved) {
      this.resolved = o.resolved
      await this.logIn()
      return this
    }
    const cached = o.resolve?.cache?.live() !== undefined
    await this.resolve(false)
    try {
      await this.logIn()
    } catch (err) {
      if (!cached || !isImhError(err, 'IMH_ERR_CONNECT_FAILED')) throw err
      await this.resolve(true)
      await this.logIn()
    }
    return this
  }

  /** Finds the servers (PROTOCOL.md §2.4); only a look-up that went out is timed, not a cached answer. */
  private async resolve(fresh: boolean): Promise<void> {
    const o = this.options.resolve ?? {}
    const asks = fresh || !o.cache?.live()
    const t0 = performance.now()
    this.resolved = await resolveServices(fresh ? {...o, fresh} : o)
    if (asks) this.emit('timing', 'scheduler', performance.now() - t0)
  }

  /** Registers (when asked), logs in on the short link and connects the long link. */
  private async logIn(): Promise<void> {
    const o = this.options
    this.short = new ShortClient(this.resolved!.groups.short[0]!, {dispatcher: o.dispatcher, timeoutMs: o.requestTimeoutMs})
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
    this.linked = true
  }

  /** True while the client is away and trying to come back (VirtualClientOptions.reconnect). */
  get reconnecting(): boolean {
    return this.retrying !== undefined
  }

  /**
   * Opens the long link and authenticates with the current token: the group's addresses (of the
   * transport asked for) in the scheduler's order, the next on a connect failure; on 1102 (wrong node) one fresh look-up
   * that bypasses any cached answer (PROTOCOL.md §2.4, §3.2).
   */
  async connect(): Promise<void> {
    try {
      await this.connectOnce()
    } catch (err) {
      if (!isImhError(err, 'IMH_ERR_WRONG_NODE') || this.options.resolved) throw err
      await this.resolve(true)
      await this.connectOnce()
    }
  }

  private async connectOnce(sync = true): Promise<void> {
    const o = this.options
    const urls = longUrlsFor(this.resolved!.groups.long, o.transport)
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
    this.link.owner = this
    this.auth = await this.link.call<AuthReply>(CMD.AUTH, {token: this.short!.token})
    this.emit('timing', 'connect', performance.now() - t0)
    const interval = o.heartbeat === false ? 0 : typeof o.heartbeat === 'number' ? o.heartbeat : this.auth.heartbeatIntervalMs
    if (interval > 0) this.startHeartbeat(interval)
    if (sync && o.autoSync !== false) await this.sync()
  }

  /** Tries to come back after a lost link (VirtualClientOptions.reconnect); never throws. */
  private async reconnectLoop(policy: ReconnectPolicy): Promise<void> {
    const lostAt = performance.now()
    let last: unknown
    const wait = (ms: number): Promise<void> => new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.retrying = {wake: () => (clearTimeout(timer), resolve())}
    })
    try {
      for (let attempt = 0; attempt < policy.attempts && !this.ended; attempt++) {
        const delay = backoffDelay(policy, attempt)
        this.emit('reconnecting', attempt + 1, delay)
        await wait(delay)
        if (this.ended) break
        try {
          // A fresh look-up: the node that held the link may be gone from the group (§2.4).
          if (!this.options.resolved) await this.resolve(true)
          await this.connectOnce(false)
          const authAt = performance.now()
          if (this.options.autoSync !== false) await this.catchUp()
          this.emit('reconnected', {attempts: attempt + 1, reconnectMs: authAt - lostAt, resyncMs: performance.now() - authAt})
          return
        } catch (err) {
          last = err
          this.stopHeartbeat()
          this.link?.terminate()
          // The server refused the session itself (token gone, kicked): no later try can succeed.
          if (err instanceof ImhError && (ERRORS as Record<string, {fatal: boolean}>)[err.code]?.fatal && err.code !== 'IMH_ERR_WRONG_NODE') break
        }
      }
      if (!this.ended) this.emit('reconnect-failed', last instanceof Error ? last : new ImhError('IMH_ERR_CONNECT_FAILED', `could not reconnect in ${policy.attempts} tries`))
    } finally {
      this.retrying = undefined
    }
  }

  /** Pulls the default category and every category pulled before, each from its key. */
  private async catchUp(): Promise<void> {
    const pulled = (Object.keys(this.syncKeys) as SyncCategory[]).filter((c) => c === DEFAULT_SYNC_CATEGORY || this.syncKeys[c].epoch !== 0)
    await Promise.all(pulled.map((c) => this.sync(c)))
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
   * Pulls a category's inbox (chat when none is named) until the server says nothing remains.
   * Calls during a pull (a notify) fold into one more round, so none is lost and no two pulls of a
   * category overlap.
   */
  sync(category: SyncCategory = DEFAULT_SYNC_CATEGORY): Promise<void> {
    let loop = this.pulls?.get(category)
    if (!loop) {
      const spec = SPEC_OF.get(category)
      if (!spec) return Promise.reject(new ImhError('IMH_ERR_INVALID_OPTION', `sync: no protocol flow declares the SYNC category "${category}"`))
      loop = new CoalescingLoop(() => this.pullPage(spec))
      ;(this.pulls ??= new Map()).set(category, loop)
    }
    const joined = loop.busy
    const run = loop.run()
    if (!joined) {
      // A run this call started: when it ends, the loop goes, unless a run() started another.
      const ended = loop
      const drop = (): void => {
        if (ended.busy || this.pulls?.get(category) !== ended) return
        this.pulls.delete(category)
        if (this.pulls.size === 0) this.pulls = undefined
      }
      run.then(drop, drop)
    }
    return run
  }

  private async pullPage(category: SyncCategorySpecs): Promise<boolean> {
    const {name} = category
    const limit = this.options.syncPageLimit
    // The default category's request names none, as every server understands (§6.1).
    const body = {syncKey: this.syncKeys[name], ...(limit ? {limit} : {}), ...(name === DEFAULT_SYNC_CATEGORY ? {} : {category: name})}
    const frame = await this.link!.request(CMD.SYNC, body)
    const page = checkSyncPage(parseJsonBody(frame.body), category)
    if (page.resync) this.emit('resync', page.syncKey, name)
    this.syncKeys[name] = page.syncKey
    for (const item of pageItems(page, category)) this.emitSync(category.itemEvent, item)
    return page.continue
  }

  /** @internal Called by the link for each push (LinkOwner). */
  linkPush(frame: Frame): void {
    if (frame.cmd === CMD.SYNC_NOTIFY) {
      const category = this.notifyCategory(frame)
      this.emitSync(syncCategory(category).notifyEvent)
      if (this.options.autoSync !== false) this.sync(category).catch((err) => this.emit('error', err))
    } else if (frame.cmd === CMD.ERROR) {
      try {
        const reply = parseErrorReply(parseJsonBody(frame.body))
        if ((ERRORS as Record<string, {fatal: boolean}>)[reply.code]?.fatal) this.ended = true
        this.emit('server-error', reply)
      } catch (err) {
        this.emit('error', err as Error)
      }
    }
    // Pushes of commands this client does not know are ignored (PROTOCOL.md §4.3).
  }

  /** @internal Called by the link when it closes (LinkOwner). */
  linkClosed(info: CloseInfo): void {
    this.stopHeartbeat()
    const policy = this.options.reconnect
    const retry = policy !== undefined && this.linked && !this.ended && !this.retrying
    // Set before 'close', so that whoever hears it can tell a client that will come back.
    if (retry) this.retrying = {wake: () => {}}
    this.emit('close', info)
    if (retry) void this.reconnectLoop(policy)
  }

  /** The category a SYNC_NOTIFY names; an empty, unreadable or unknown body is the default's (§6.3). */
  private notifyCategory(frame: Frame): SyncCategory {
    try {
      return parseSyncNotify(parseJsonBody(frame.body)).category
    } catch {
      return DEFAULT_SYNC_CATEGORY
    }
  }

  /** Emits a SYNC event, whose name the category declaration gives. */
  private emitSync(event: string, ...args: unknown[]): void {
    const emit = this.emit as (event: string, ...args: unknown[]) => boolean
    emit.call(this, event, ...args)
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat()
    this.heartbeats = PeriodicWheel.of(intervalMs)
    this.heartbeats.add(this)
  }

  /** @internal A heartbeat is due (Periodic): one timer per period serves every client. */
  onPeriod(): void {
    this.heartbeat().catch((err) => {
      if (!isImhError(err, 'IMH_ERR_CONNECTION_CLOSED')) this.emit('error', err)
    })
  }

  private stopHeartbeat(): void {
    this.heartbeats?.delete(this)
    this.heartbeats = undefined
  }

  /** Closes the long link and waits for it to be closed. */
  async close(): Promise<void> {
    this.ended = true
    this.retrying?.wake()
    this.stopHeartbeat()
    const link = this.link
    if (!link || link.closed) return
    link.close()
    await link.waitClose(5000).catch(() => link.terminate())
  }
}
