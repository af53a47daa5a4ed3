import {randomBytes} from 'node:crypto'
import {ImhError, QR_DEFAULT_HOLD_MS, QR_DEFAULT_TTL_SECONDS, type QrState} from '../../src/protocol/index.js'
import {type QrClock, type QrTimers, SYSTEM_CLOCK, SYSTEM_TIMERS} from './qr-clock.js'
import type {QrLoginStore, QrView} from './qr-login-store.js'
import {QrTickets, type QrWebSession} from './qr-tickets.js'

export type {QrClock, QrTimers} from './qr-clock.js'
export type {QrWebSession} from './qr-tickets.js'

/**
 * Defaults: uuid (and ticket) lifetime 300 s, hold 25 s, 100,000 live uuids (then `create`
 * refuses), web sessions 86,400 s and 100,000 of them (then the oldest goes), a sweep every 30 s.
 */
export interface QrLoginsOptions {
  ttlSeconds?: number
  holdMs?: number
  maxLogins?: number
  sessionTtlSeconds?: number
  maxSessions?: number
  sweepMs?: number
  clock?: QrClock
  timers?: QrTimers
}

export type {QrView} from './qr-login-store.js'

type Waiter = {finish(view: QrView): void}

/** A live login's state, as a poll sees it. */
export interface QrRecord {state: Exclude<QrState, 'expired'>; scanner?: string; ticket?: string}

interface Login extends QrRecord {uuid: string; expiresAt: number; waiters: Set<Waiter>}

const newUuid = () => randomBytes(16).toString('base64url')

/**
 * The QR-login state machine of PROTOCOL.md §10.1, without HTTP: uuids, their transitions, the
 * long polls waiting on them, one-time tickets and web sessions. Memory stays bounded: uuids are
 * capped and swept, polls hold no interval and leave when their request goes.
 */
export class QrLogins implements QrLoginStore {
  readonly ttlSeconds: number
  readonly holdMs: number
  private readonly maxLogins: number
  private readonly clock: QrClock
  private readonly timers: QrTimers
  // In expiry order (one TTL), so a sweep stops at the first live uuid.
  private readonly logins = new Map<string, Login>()
  private readonly tickets: QrTickets
  private pending = 0
  private sweeper: unknown

  constructor(options: QrLoginsOptions = {}) {
    this.ttlSeconds = options.ttlSeconds ?? QR_DEFAULT_TTL_SECONDS
    this.holdMs = options.holdMs ?? QR_DEFAULT_HOLD_MS
    this.maxLogins = options.maxLogins ?? 100_000
    this.clock = options.clock ?? SYSTEM_CLOCK
    this.tickets = new QrTickets(this.clock, this.ttlSeconds * 1000, options.sessionTtlSeconds ?? 86_400, options.maxSessions ?? 100_000)
    this.timers = options.timers ?? SYSTEM_TIMERS
    const arm = () => (this.sweeper = this.timers.setTimeout(() => (this.sweep(), arm()), options.sweepMs ?? 30_000))
    arm()
  }

  /** Long polls currently held. */
  get pendingPolls(): number {
    return this.pending
  }

  /** Uuids alive (not yet swept). */
  get size(): number {
    return this.logins.size
  }

  create(): {uuid: string; expiresAt: number} {
    this.sweep()
    if (this.logins.size >= this.maxLogins) throw new ImhError('IMH_ERR_QR_BUSY', `too many QR logins in flight (limit ${this.maxLogins}); try again later`)
    const login: Login = {uuid: newUuid(), state: 'waiting', expiresAt: this.clock.now() + this.ttlSeconds * 1000, waiters: new Set()}
    this.logins.set(login.uuid, login)
    return {uuid: login.uuid, expiresAt: login.expiresAt}
  }

  state(uuid: string): QrState {
    return this.live(uuid)?.state ?? 'expired'
  }

  /** Scanning twice by the same user is answered as the first time (§10.4). */
  scan(uuid: string, userId: string): void {
    const login = this.live(uuid)
    if (!login) throw new ImhError('IMH_ERR_QR_EXPIRED')
    if (login.state === 'scanned' && login.scanner === userId) return
    if (login.state !== 'waiting') throw new ImhError('IMH_ERR_QR_STATE', `the QR login is ${login.state}${login.state === 'scanned' ? ' by another user' : ''}`)
    login.scanner = userId
    this.move(login, 'scanned')
  }

  /** Confirms and issues the one-time ticket; returns it. */
  confirm(uuid: string, userId: string): string {
    const login = this.byScanner(uuid, userId)
    login.ticket = this.tickets.issue(userId)
    this.move(login, 'confirmed')
    return login.ticket
  }

  cancel(uuid: string, userId: string): void {
    this.move(this.byScanner(uuid, userId), 'cancelled')
  }

  /**
   * Answers at once when the code differs from `last` (0 and 408 mean none yet), else when the
   * state changes, the uuid expires (400), `signal` aborts or `holdMs` passes (408).
   */
  waitForChange(uuid: string, last: number, holdMs = this.holdMs, signal?: AbortSignal): Promise<QrView> {
    const login = this.live(uuid)
    if (!login) return Promise.resolve({code: 400})
    const view = viewOf(login)
    // A waiting uuid has nothing to tell: 408 before the hold would only make the client spin.
    if (login.state !== 'waiting' && view.code !== (last === 0 ? 408 : last)) return Promise.resolve(view)
    if (signal?.aborted) return Promise.resolve({code: 408})
    return new Promise((resolve) => {
      const untilExpiry = login.expiresAt - this.clock.now()
      const expires = untilExpiry <= holdMs
      const onAbort = () => waiter.finish({code: 408})
      const waiter: Waiter = {
        finish: (v) => {
          if (!login.waiters.delete(waiter)) return
          this.pending--
          this.timers.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(v)
        },
      }
      login.waiters.add(waiter)
      this.pending++
      signal?.addEventListener('abort', onAbort, {once: true})
      const timer = this.timers.setTimeout(() => (expires ? this.expire(login) : waiter.finish({code: 408})), Math.max(0, expires ? untilExpiry : holdMs))
    })
  }

  /** Turns a ticket into a web session, once (§10.5). */
  redeemTicket(ticket: string): QrWebSession {
    return this.tickets.redeem(ticket)
  }

  /** The user of a web token, or undefined when unknown or expired. */
  session(webToken: string): string | undefined {
    return this.tickets.session(webToken)
  }

  /** Drops expired uuids (answering their polls 400), tickets and sessions. */
  sweep(): void {
    const now = this.clock.now()
    for (const login of this.logins.values()) {
      if (login.expiresAt > now) break
      this.expire(login)
    }
    this.tickets.sweep()
  }

  /** Stops the sweep and releases every held poll. */
  close(): void {
    this.timers.clearTimeout(this.sweeper)
    for (const login of this.logins.values()) for (const w of [...login.waiters]) w.finish({code: 408})
  }

  private live(uuid: string): Login | undefined {
    const login = this.logins.get(uuid)
    if (login && login.expiresAt <= this.clock.now()) return void this.expire(login)
    return login
  }

  private byScanner(uuid: string, userId: string): Login {
    const login = this.live(uuid)
    if (!login) throw new ImhError('IMH_ERR_QR_EXPIRED')
    if (login.state === 'waiting') throw new ImhError('IMH_ERR_QR_NOT_SCANNED')
    if (login.state !== 'scanned') throw new ImhError('IMH_ERR_QR_STATE', `the QR login is already ${login.state}`)
    if (login.scanner !== userId) throw new ImhError('IMH_ERR_QR_WRONG_USER')
    return login
  }

  private move(login: Login, state: Login['state']): void {
    login.state = state
    const view = viewOf(login)
    for (const w of [...login.waiters]) w.finish(view)
  }

  private expire(login: Login): void {
    if (this.logins.get(login.uuid) === login) this.logins.delete(login.uuid)
    for (const w of [...login.waiters]) w.finish({code: 400})
  }
}

/** The answer a poll gets for a login in `login.state`. */
export function viewOf(login: QrRecord): QrView {
  switch (login.state) {
    case 'waiting': return {code: 408}
    case 'scanned': return {code: 201, userId: login.scanner!}
    case 'confirmed': return {code: 200, userId: login.scanner!, ticket: login.ticket!}
    case 'cancelled': return {code: 202}
  }
}
