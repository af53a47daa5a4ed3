import {randomBytes} from 'node:crypto'
import type {Dispatcher} from 'undici'
import {type LinkTransportKind, longUrlsFor} from '../client/link-transport.js'
import {LongLink, type LongLinkOptions} from '../client/long-link.js'
import {QrBrowser} from '../client/qr-browser.js'
import {QrPhone} from '../client/qr-phone.js'
import type {Resolved} from '../client/resolve.js'
import {ShortClient} from '../client/short-client.js'
import {Trace} from '../client/trace.js'
import {VirtualClient, type VirtualClientOptions} from '../client/virtual-client.js'
import {type AnnouncedLimits, type AuthReply, CMD, SPEC_DEFAULT_LIMITS, type SchedulerAnswer, isImhError} from '../protocol/index.js'
import {CaseFailure, NotApplicable} from './failures.js'

/** `imh conform --max-wait`, in seconds: how long a case may wait out an announced limit. */
export const MAX_WAIT_SECONDS = {default: 120, min: 1, max: 3600} as const

/** The --max-wait default in ms, also the runner's. */
export const DEFAULT_MAX_WAIT_MS = MAX_WAIT_SECONDS.default * 1000

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`
}

/** What the runner learned of the target before the cases ran. */
export interface Target {
  scheduler: string
  /**
   * `host:port` of the DNS server to ask for the names the scheduler does not list (PROTOCOL.md
   * §2.4; the shop's, §17.1); absent: the system's resolver.
   */
  resolver?: string
  answer: SchedulerAnswer | undefined
  /** Why the answer could not be had. */
  answerError: string | undefined
  ca?: string | Buffer
  rejectUnauthorized?: boolean
  dispatcher?: Dispatcher
  /**
   * Take the long and short groups' addresses in turn, one per link and per user, instead of
   * always the first (`imh conform --spread`): the parties of a case then meet on different nodes
   * of a group whose every node serves every user (PROTOCOL.md §2.5).
   */
  spread?: boolean
  /** The next turn of `spread`, over every case of the run. */
  turn?: number
}

export interface TestUser {
  username: string
  password: string
  userId: string
  token: string
  short: ShortClient
}

/** Everything a case needs; each case gets its own, with its own users and trace. */
export class CaseContext {
  readonly trace = new Trace()
  private readonly cleanups: (() => unknown)[] = []
  private counter = 0
  private readonly prefix = `imh${randomBytes(4).toString('hex')}`
  private escape: ((err: unknown) => void) | undefined

  /**
   * Whether the case took the long link by its transport (longUrl, client, needWebSocket): the
   * runner runs such a case again on each further transport of `--transport`.
   */
  usedTransport = false

  constructor(readonly target: Target, readonly timeoutFactor: number, readonly maxWaitMs: number, readonly transport: LinkTransportKind = 'ws') {}

  /**
   * The runner's: ends the case with `err`. A client's error that nothing in the case listens for
   * (a background heartbeat timing out while the case waits out a TTL) goes there, so it becomes
   * the case's verdict instead of an uncaught exception that, with long waits running beside
   * every case, no single case could be blamed for.
   */
  onEscape(fn: (err: unknown) => void): void {
    this.escape = fn
  }

  /** A time limit scaled by --timeout-factor. */
  ms(n: number): number {
    return Math.round(n * this.timeoutFactor)
  }

  get answer(): SchedulerAnswer {
    if (!this.target.answer) throw new CaseFailure(`the scheduler gave no usable answer: ${this.target.answerError}`)
    return this.target.answer
  }

  /** Announced limits over the spec defaults. */
  get limits(): AnnouncedLimits & {announced: boolean} {
    const announced = this.target.answer?.limits
    return {...SPEC_DEFAULT_LIMITS, ...announced, announced: announced !== undefined}
  }

  /**
   * The one gate of every case that waits out an announced limit: returns `valueMs`, or makes the
   * case not applicable when what it waits (`waitMs`, by default the limit itself) exceeds
   * --max-wait. The announced wait is not scaled by --timeout-factor (the server's timer runs at
   * its own pace); only the slack a case allows around it is.
   */
  needWait(name: string, valueMs: number, waitMs = valueMs): number {
    if (waitMs > this.maxWaitMs) {
      const defaulted = name in SPEC_DEFAULT_LIMITS && !this.limits.announced ? ' (spec default; the target announces no limits)' : ''
      const waits = waitMs === valueMs ? '' : `, so the case waits ${waitMs} ms`
      throw new NotApplicable(`${name} is ${valueMs} ms${defaulted}${waits}, longer than --max-wait ${formatSeconds(this.maxWaitMs)}; raise --max-wait to ${Math.ceil(waitMs / 1000)} or more, or run the target with a shorter ${name}`)
    }
    return valueMs
  }

  /** The first address of a list, or with `spread` the next in turn. */
  private pick(list: readonly string[]): string | undefined {
    if (!this.target.spread || list.length < 2) return list[0]
    this.target.turn = (this.target.turn ?? 0) + 1
    return list[this.target.turn % list.length]
  }

  get shortUrl(): string {
    const url = this.pick(this.answer.groups.short)
    if (!url) throw new CaseFailure('the scheduler lists no short-link address')
    return url
  }

  /** The long group's address to link to: one of the case's transport (ws:// or tcp:// and their TLS forms). */
  get longUrl(): string {
    const url = this.pick(this.longUrls())
    if (!url) throw new CaseFailure('the scheduler lists no long-link address')
    return url
  }

  /** The long group's addresses of the case's transport, in the scheduler's order. */
  private longUrls(): readonly string[] {
    this.usedTransport = true
    try {
      return longUrlsFor(this.answer.groups.long, this.transport)
    } catch (err) {
      if (isImhError(err, 'IMH_ERR_NO_TRANSPORT')) throw new CaseFailure(`--transport ${this.transport}: ${err.message} (PROTOCOL.md §2.2)`)
      throw err
    }
  }

  /**
   * Makes a case that needs what only a WebSocket has (text messages, pings, a message's own
   * length) not applicable on a stream transport, saying why.
   */
  needWebSocket(what: string): void {
    this.usedTransport = true
    if (this.transport !== 'ws') throw new NotApplicable(`WebSocket only: ${what}; a ${this.transport} stream has no such thing (its own cases cover the stream)`)
  }

  /**
   * The qr group's first address. A target that does not announce qr never runs a qr case (its
   * cases are unimplemented); one that announces it must list an address (PROTOCOL.md §2.2).
   */
  get qrUrl(): string {
    const url = this.answer.groups.qr[0]
    if (!url) throw new CaseFailure('the scheduler lists no qr address (PROTOCOL.md §2.2, §10)')
    return url
  }

  /** The media group's first address: listed by a target that announces media (PROTOCOL.md §2.2, §16). */
  get mediaUrl(): string {
    const url = this.answer.groups.media[0]
    if (!url) throw new CaseFailure('the scheduler lists no media address (PROTOCOL.md §2.2, §16)')
    return url
  }

  uniqueName(tag = 'u'): string {
    return `${this.prefix}-${tag}${++this.counter}`
  }

  short(baseUrl = this.shortUrl): ShortClient {
    return new ShortClient(baseUrl, {dispatcher: this.target.dispatcher, timeoutMs: this.ms(10_000)})
  }

  /** A traced QR login browser on the qr group. */
  qrBrowser(): QrBrowser {
    return new QrBrowser(this.qrUrl, {dispatcher: this.target.dispatcher, timeoutMs: this.ms(10_000), trace: this.trace.sink})
  }

  /** A traced phone scanning with `user`'s short-link token; undefined sends none. */
  qrPhone(user: TestUser | {token: string | undefined}): QrPhone {
    return new QrPhone(this.qrUrl, user.token, {dispatcher: this.target.dispatcher, timeoutMs: this.ms(10_000), trace: this.trace.sink})
  }

  /** Registers and logs in a fresh user. */
  async newUser(tag = 'u'): Promise<TestUser> {
    const username = this.uniqueName(tag)
    const password = `pw-${username}`
    const short = this.short()
    await short.register({username, password})
    const login = await short.login({username, password})
    return {username, password, userId: login.userId, token: login.token, short}
  }

  /** A traced long link, not yet authenticated. */
  async link(options: LongLinkOptions & {url?: string} = {}): Promise<LongLink> {
    const link = await LongLink.connect(options.url ?? this.longUrl, {
      requestTimeoutMs: this.ms(5000), connectTimeoutMs: this.ms(5000), ca: this.target.ca,
      rejectUnauthorized: this.target.rejectUnauthorized, trace: this.trace.sink, ...options,
    })
    this.onCleanup(() => link.terminate())
    return link
  }

  /** A long link authenticated as `user` (a fresh one by default). */
  async authedLink(user?: TestUser): Promise<{link: LongLink; user: TestUser; auth: AuthReply}> {
    const u = user ?? (await this.newUser())
    const link = await this.link()
    const auth = await link.call<AuthReply>(CMD.AUTH, {token: u.token})
    return {link, user: u, auth}
  }

  /** A whole virtual client for `user`, heartbeat off, traced. */
  async client(user?: TestUser, options: Partial<VirtualClientOptions> = {}): Promise<VirtualClient> {
    const u = user ?? (await this.newUser())
    const {groups} = this.answer
    const first = (list: readonly string[]): string[] => {
      const at = this.pick(list)
      return at === undefined ? [] : [at, ...list.filter((a) => a !== at)]
    }
    const long = this.longUrls()
    const resolved: Resolved = {groups: this.target.spread ? {...groups, long: first(long), short: first(groups.short)} : {...groups, long: [...long]}, sources: {}, errors: []}
    const c = new VirtualClient({
      resolved, credentials: {username: u.username, password: u.password}, heartbeat: false,
      requestTimeoutMs: this.ms(5000), ca: this.target.ca, rejectUnauthorized: this.target.rejectUnauthorized,
      dispatcher: this.target.dispatcher, trace: this.trace.sink, ...options,
    })
    this.guard(c)
    this.onCleanup(() => c.close())
    return c.start()
  }

  /**
   * Makes an 'error' that `emitter` emits while nothing else listens for it end the case with that
   * error (see onEscape); a case that listens itself (to collect or ignore errors) keeps them.
   */
  guard(emitter: Pick<NodeJS.EventEmitter, 'on' | 'listenerCount'>): void {
    emitter.on('error', (err: unknown) => {
      if (emitter.listenerCount('error') > 1) return
      if (!this.escape) throw err
      this.escape(err)
    })
  }

  onCleanup(fn: () => unknown): void {
    this.cleanups.push(fn)
  }

  async cleanup(): Promise<void> {
    // Until none is left: a clean-up may open a client of its own (a sweeper), whose close it registers.
    while (this.cleanups.length > 0) {
      for (const fn of this.cleanups.splice(0).reverse()) {
        try {
          await fn()
        } catch {
          // Cleanup of a broken connection may fail; the verdict is already made.
        }
      }
    }
  }
}

/** Resolves when `cond` holds, or fails the case after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new CaseFailure(`${what}: not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
