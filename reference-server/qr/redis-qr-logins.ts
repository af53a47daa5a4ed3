import {randomBytes} from 'node:crypto'
import {ImhError, QR_DEFAULT_HOLD_MS, QR_DEFAULT_TTL_SECONDS, type QrState} from '../../src/protocol/index.js'
import type {RedisBackend} from '../store/redis-backend.js'
import type {QrLoginStore, QrView} from './qr-login-store.js'
import {type QrRecord, viewOf} from './qr-state.js'
import type {QrWebSession} from './qr-tickets.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'

export interface RedisQrLoginsOptions {
  ttlSeconds?: number
  holdMs?: number
  maxLogins?: number
  sessionTtlSeconds?: number
}

type Waiter = (view: QrView) => void

// The cap on live uuids: drop the lapsed, count, add — one step, or two nodes could both pass a full count.
const CREATE = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'state', 'waiting')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2] + ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`
// Each transition reads the state and writes the next one in one step: a scan on one node and a
// scan by another user on another node must not both win. HSET keeps the uuid's TTL.
const SCAN = `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return 'expired' end
if st == 'scanned' and redis.call('HGET', KEYS[1], 'scanner') == ARGV[1] then return 'again' end
if st ~= 'waiting' then return st end
redis.call('HSET', KEYS[1], 'state', 'scanned', 'scanner', ARGV[1])
return 'ok'`
// Confirm (with its ticket, written in the same step so a poll that sees 'confirmed' can redeem it) or cancel.
const DECIDE = `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return 'expired' end
if st == 'waiting' then return 'not-scanned' end
if st ~= 'scanned' then return st end
if redis.call('HGET', KEYS[1], 'scanner') ~= ARGV[1] then return 'wrong-user' end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'ticket', ARGV[3])
  redis.call('HSET', KEYS[2], 'userId', ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 'ok'`
// A ticket is used once, across every node; kept, marked, until it lapses (a second use is told apart from a forgery).
const REDEEM = `
local user = redis.call('HGET', KEYS[1], 'userId')
if not user then return 'invalid' end
if redis.call('HGET', KEYS[1], 'used') then return 'used' end
redis.call('HSET', KEYS[1], 'used', '1')
redis.call('SET', KEYS[2], user, 'PX', ARGV[1])
return 'ok:' .. user`

const newUuid = () => randomBytes(16).toString('base64url')

/**
 * The QR-login state of PROTOCOL.md §10.1 in the Redis the nodes of a group share: `qr:<uuid>` (a
 * hash: state, scanner, ticket) expires with the uuid's TTL, so an unscanned code simply lapses;
 * `qr-live` (uuids by expiry) caps the live ones; `qr-ticket:<t>` and `qr-session:<token>` expire
 * with theirs. A transition is published on the `qr` channel; every node answers the polls it
 * holds for that uuid. Web sessions are bounded by their TTL (no oldest-first cap as in memory).
 */
export class RedisQrLogins implements QrLoginStore {
  readonly ttlSeconds: number
  readonly holdMs: number
  private readonly maxLogins: number
  private readonly sessionTtlSeconds: number
  private readonly waiters = new Map<string, Set<Waiter>>()
  private pending = 0
  private unsubscribe: (() => void) | undefined

  /** The store's Lua scripts, each sent once and then run by its SHA (store/redis-script.ts). */
  private readonly lua: Record<'CREATE' | 'SCAN' | 'DECIDE' | 'REDEEM', RedisScript>

  constructor(private readonly backend: RedisBackend, options: RedisQrLoginsOptions = {}) {
    this.lua = {CREATE: redisScript(backend.client, CREATE), SCAN: redisScript(backend.client, SCAN), DECIDE: redisScript(backend.client, DECIDE), REDEEM: redisScript(backend.client, REDEEM)}
    this.ttlSeconds = options.ttlSeconds ?? QR_DEFAULT_TTL_SECONDS
    this.holdMs = options.holdMs ?? QR_DEFAULT_HOLD_MS
    this.maxLogins = options.maxLogins ?? 100_000
    this.sessionTtlSeconds = options.sessionTtlSeconds ?? 86_400
  }

  async ready(): Promise<void> {
    this.unsubscribe = await this.backend.subscribe('qr', (message) => {
      const {uuid, view} = JSON.parse(message) as {uuid: string; view: QrView}
      for (const finish of [...(this.waiters.get(uuid) ?? [])]) finish(view)
    })
  }

  get pendingPolls(): number {
    return this.pending
  }

  async create(): Promise<{uuid: string; expiresAt: number}> {
    const uuid = newUuid()
    const now = Date.now()
    const ttlMs = this.ttlSeconds * 1000
    if ((await this.lua.CREATE([this.key('qr', uuid), this.backend.key('qr-live')], [uuid, now, ttlMs, this.maxLogins])) !== 1) {
      throw new ImhError('IMH_ERR_QR_BUSY', `too many QR logins in flight (limit ${this.maxLogins}); try again later`)
    }
    return {uuid, expiresAt: now + ttlMs}
  }

  async state(uuid: string): Promise<QrState> {
    return (await this.read(uuid))?.state ?? 'expired'
  }

  async scan(uuid: string, userId: string): Promise<void> {
    const r = (await this.lua.SCAN([this.key('qr', uuid)], [userId])) as string
    if (r === 'again') return
    this.refused(r, `${r === 'scanned' ? ' by another user' : ''}`)
    await this.moved(uuid, {state: 'scanned', scanner: userId})
  }

  async confirm(uuid: string, userId: string): Promise<string> {
    const ticket = randomBytes(16).toString('base64url')
    // The ticket lives as long as a uuid (§10.5), as in memory.
    const r = (await this.lua.DECIDE([this.key('qr', uuid), this.key('qr-ticket', ticket)], [userId, 'confirmed', ticket, this.ttlSeconds * 1000])) as string
    this.decided(r)
    await this.moved(uuid, {state: 'confirmed', scanner: userId, ticket})
    return ticket
  }

  async cancel(uuid: string, userId: string): Promise<void> {
    const r = (await this.lua.DECIDE([this.key('qr', uuid), this.key('qr-ticket', '-')], [userId, 'cancelled', '', 0])) as string
    this.decided(r)
    await this.moved(uuid, {state: 'cancelled', scanner: userId})
  }

  /** As QrLogins.waitForChange; the poll is registered before the read, so no transition falls between them. */
  waitForChange(uuid: string, last: number, holdMs = this.holdMs, signal?: AbortSignal): Promise<QrView> {
    if (!uuid) return Promise.resolve({code: 400})
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      let set = this.waiters.get(uuid)
      if (!set) this.waiters.set(uuid, (set = new Set()))
      const waiters = set
      const finish: Waiter = (view) => {
        if (!waiters.delete(finish)) return
        if (waiters.size === 0 && this.waiters.get(uuid) === waiters) this.waiters.delete(uuid)
        this.pending--
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        resolve(view)
      }
      const onAbort = () => finish({code: 408})
      waiters.add(finish)
      this.pending++
      signal?.addEventListener('abort', onAbort, {once: true})
      void Promise.all([this.read(uuid), this.backend.client.pttl(this.key('qr', uuid))]).then(([record, ttl]) => {
        if (!record) return finish({code: 400})
        const view = viewOf(record)
        // A waiting uuid has nothing to tell: 408 before the hold would only make the client spin.
        if (record.state !== 'waiting' && view.code !== (last === 0 ? 408 : last)) return finish(view)
        if (signal?.aborted) return finish({code: 408})
        // The uuid lapses by its Redis TTL: a poll held past it answers 400 once the key is gone.
        const expires = ttl >= 0 && ttl <= holdMs
        timer = setTimeout(() => {
          if (!expires) return finish({code: 408})
          void this.read(uuid).then((r) => finish(r ? {code: 408} : {code: 400}), () => finish({code: 408}))
        }, Math.max(0, expires ? ttl + 5 : holdMs))
        timer.unref()
      }, () => finish({code: 408}))
    })
  }

  async redeemTicket(ticket: string): Promise<QrWebSession> {
    const webToken = randomBytes(24).toString('base64url')
    const r = ticket
      ? ((await this.lua.REDEEM([this.key('qr-ticket', ticket), this.key('qr-session', webToken)], [this.sessionTtlSeconds * 1000])) as string)
      : 'invalid'
    if (r === 'invalid') throw new ImhError('IMH_ERR_QR_TICKET_INVALID')
    if (r === 'used') throw new ImhError('IMH_ERR_QR_TICKET_USED')
    return {userId: r.slice(3), webToken, expiresIn: this.sessionTtlSeconds}
  }

  async session(webToken: string): Promise<string | undefined> {
    if (!webToken) return undefined
    return (await this.backend.client.get(this.key('qr-session', webToken))) ?? undefined
  }

  close(): void {
    this.unsubscribe?.()
    for (const set of [...this.waiters.values()]) for (const finish of [...set]) finish({code: 408})
  }

  private async read(uuid: string): Promise<QrRecord | undefined> {
    const [state, scanner, ticket] = await this.backend.client.hmget(this.key('qr', uuid), 'state', 'scanner', 'ticket')
    if (state !== 'waiting' && state !== 'scanned' && state !== 'confirmed' && state !== 'cancelled') return undefined
    return {state, ...(scanner ? {scanner} : {}), ...(ticket ? {ticket} : {})}
  }

  /** Tells every node's held polls of `uuid` its new state. */
  private async moved(uuid: string, record: QrRecord): Promise<void> {
    await this.backend.publish('qr', JSON.stringify({uuid, view: viewOf(record)}))
  }

  private refused(r: string, more = ''): void {
    if (r === 'ok') return
    if (r === 'expired') throw new ImhError('IMH_ERR_QR_EXPIRED')
    throw new ImhError('IMH_ERR_QR_STATE', `the QR login is ${r}${more}`)
  }

  private decided(r: string): void {
    if (r === 'not-scanned') throw new ImhError('IMH_ERR_QR_NOT_SCANNED')
    if (r === 'wrong-user') throw new ImhError('IMH_ERR_QR_WRONG_USER')
    if (r !== 'ok' && r !== 'expired') throw new ImhError('IMH_ERR_QR_STATE', `the QR login is already ${r}`)
    this.refused(r)
  }

  private key(kind: string, id: string): string {
    return this.backend.key(kind, id)
  }
}
