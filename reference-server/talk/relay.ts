import type {RemoteInfo, Socket} from 'node:dgram'
import {type DecodedRelayDatagram, ImhError, type RelayRole, decodeRelay, otherRole} from '../../src/protocol/index.js'

/**
 * The UDP relay of real-time talk (PROTOCOL.md §11.3): it shares the relay
 * group's sockets with STUN (stun-server.ts hands it the datagrams whose first byte says relay)
 * and forwards each party's datagrams to the other party of the same call.
 */

export interface RelayStats {
  /** Datagrams sent on to the other party. */
  forwarded: number
  /** Datagrams with the echo flag sent back to their sender. */
  echoed: number
  /** Token of no live call (never issued, or the call ended). */
  unknownToken: number
  /** A role's datagram from another address than the one the role was learned from. */
  hijack: number
  /** The other role has not sent anything yet, so there is nowhere to forward to. */
  noPeer: number
  /** Not a well-formed relay datagram (IMH_ERR_RELAY_MALFORMED). */
  malformed: number
  /** Over the per-role rate limit. */
  rateLimited: number
}

export interface RelayOptions {
  /**
   * The call a relayToken belongs to while the call lives (TalkService.tokenInfo). Asked once per
   * token: the answer is kept until `forget`, so a shared registry costs no round trip per datagram.
   */
  tokenInfo: (token: string) => TokenInfo | undefined | Promise<TokenInfo | undefined>
  /** Token bucket refill: datagrams per second per role of a call. */
  ratePps: number
  /** Token bucket size. */
  burst: number
  /** Clock in ms (tests). Default performance.now. */
  now?: () => number
  /**
   * Every this many ms each session's token is asked again and the session dropped if its call
   * is gone: a call that ended without this relay hearing (its node died, its keys lapsed in a
   * shared registry) does not keep its session. Default 30,000.
   */
  revalidateMs?: number
}

/** An unknown token looked up through a promise is not asked again for this long (a flood of forged tokens). */
const UNKNOWN_TOKEN_MS = 1000
/** Unknown tokens remembered at most; beyond it the memory is cleared. */
const UNKNOWN_TOKEN_MAX = 10_000

export interface TokenInfo {
  callId: string
}

/** A look-up of a token in flight; `forgotten` when its call ended meanwhile. */
interface Lookup {
  done: Promise<TokenInfo | undefined>
  forgotten: boolean
  /** Datagrams waiting for it: at most a burst, the rest are dropped as over the rate. */
  waiting: number
}

interface Leg {
  address: string
  port: number
  /** The relay socket this role last sent to: forwards to it leave from there. */
  socket: Socket
  tokens: number
  refilledAt: number
}

interface Session {
  callId: string
  legs: Partial<Record<RelayRole, Leg>>
}

export class RelayService {
  readonly stats: RelayStats = {forwarded: 0, echoed: 0, unknownToken: 0, hijack: 0, noPeer: 0, malformed: 0, rateLimited: 0}
  private readonly sessions = new Map<string, Session>()
  private readonly lookups = new Map<string, Lookup>()
  /** Tokens a look-up through a promise found unknown, until when (this.now) they are not asked again. */
  private readonly unknown = new Map<string, number>()
  private readonly now: () => number
  private readonly revalidator: NodeJS.Timeout

  constructor(private readonly options: RelayOptions) {
    if (!(options.ratePps > 0) || !(options.burst >= 1)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'relay ratePps must be > 0 and burst >= 1', {option: 'ratePps'})
    this.now = options.now ?? (() => performance.now())
    this.revalidator = setInterval(() => this.revalidate(), options.revalidateMs ?? 30_000)
    this.revalidator.unref()
  }

  /** Stops the revalidation. */
  close(): void {
    clearInterval(this.revalidator)
  }

  /** Sessions (calls that sent at least one valid datagram) held. */
  get size(): number {
    return this.sessions.size
  }

  /** A call ended: its session goes; later datagrams with its token count as unknownToken. */
  forget(token: string): void {
    this.sessions.delete(token)
    const lookup = this.lookups.get(token)
    if (lookup) lookup.forgotten = true
    this.lookups.delete(token)
  }

  /** Handles one relay datagram that arrived on `socket` from `from`. */
  handle(datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, socket: Socket): void {
    let d
    try {
      d = decodeRelay(datagram)
    } catch (err) {
      if (err instanceof ImhError) {
        this.stats.malformed++
        return
      }
      throw err
    }
    // The call signalling is the authority: a token is valid exactly while its call exists. A
    // session is kept from the first valid datagram until the call ends (forget).
    const session = this.sessions.get(d.token)
    if (session) return this.pass(session, d, datagram, from, socket)
    let lookup = this.lookups.get(d.token)
    if (!lookup) {
      const until = this.unknown.get(d.token)
      if (until !== undefined && until > this.now()) {
        this.stats.unknownToken++
        return
      }
      const info = this.options.tokenInfo(d.token)
      if (!(info instanceof Promise)) return this.open(d.token, info, d, datagram, from, socket)
      const started: Lookup = {done: info.catch(() => undefined), forgotten: false, waiting: 0}
      void started.done.then((found) => {
        if (this.lookups.get(d.token) === started) this.lookups.delete(d.token)
        if (found || started.forgotten) return
        if (this.unknown.size >= UNKNOWN_TOKEN_MAX) this.unknown.clear()
        this.unknown.set(d.token, this.now() + UNKNOWN_TOKEN_MS)
      })
      this.lookups.set(d.token, (lookup = started))
    }
    // Datagrams that come during the look-up wait for it, in order, a burst at most.
    if (lookup.waiting >= this.options.burst) {
      this.stats.rateLimited++
      return
    }
    lookup.waiting++
    const waiting = lookup
    void waiting.done.then((info) => this.open(d.token, waiting.forgotten ? undefined : info, d, datagram, from, socket))
  }

  /** Asks again about every session's token; drops the sessions whose call is gone. */
  private revalidate(): void {
    for (const [token, session] of this.sessions) {
      void Promise.resolve(this.options.tokenInfo(token)).then((info) => {
        if (info?.callId !== session.callId && this.sessions.get(token) === session) this.sessions.delete(token)
      }, () => undefined)
    }
  }

  private open(token: string, info: TokenInfo | undefined, d: DecodedRelayDatagram, datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, socket: Socket): void {
    let session = this.sessions.get(token)
    if (!session) {
      if (!info) {
        this.stats.unknownToken++
        return
      }
      session = {callId: info.callId, legs: {}}
      this.sessions.set(token, session)
    }
    this.pass(session, d, datagram, from, socket)
  }

  private pass(session: Session, d: DecodedRelayDatagram, datagram: Buffer, from: Pick<RemoteInfo, 'address' | 'port'>, socket: Socket): void {
    const now = this.now()
    let leg = session.legs[d.role]
    if (!leg) {
      // The first datagram of a role binds the role to its source address and port.
      leg = {address: from.address, port: from.port, socket, tokens: this.options.burst, refilledAt: now}
      session.legs[d.role] = leg
    } else if (leg.address !== from.address || leg.port !== from.port) {
      this.stats.hijack++
      return
    } else {
      leg.socket = socket
    }
    // Token bucket per role, checked after the address so a stranger cannot drain a party's bucket.
    leg.tokens = Math.min(this.options.burst, leg.tokens + ((now - leg.refilledAt) * this.options.ratePps) / 1000)
    leg.refilledAt = now
    if (leg.tokens < 1) {
      this.stats.rateLimited++
      return
    }
    leg.tokens -= 1
    if (d.echo) {
      this.stats.echoed++
      send(socket, datagram, from.port, from.address)
      return
    }
    const peer = session.legs[otherRole(d.role)]
    if (!peer) {
      this.stats.noPeer++
      return
    }
    this.stats.forwarded++
    send(peer.socket, datagram, peer.port, peer.address)
  }
}

function send(socket: Socket, datagram: Buffer, port: number, address: string): void {
  try {
    socket.send(datagram, port, address)
  } catch {
    // The socket closed under us (server shutting down): nothing to forward to.
  }
}
