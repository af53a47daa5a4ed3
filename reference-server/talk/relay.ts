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
}

export interface TokenInfo {
  callId: string
}

/** A look-up of a token in flight; `forgotten` when its call ended meanwhile. */
interface Lookup {
  done: Promise<TokenInfo | undefined>
  forgotten: boolean
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
  private readonly now: () => number

  constructor(private readonly options: RelayOptions) {
    if (!(options.ratePps > 0) || !(options.burst >= 1)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'relay ratePps must be > 0 and burst >= 1', {option: 'ratePps'})
    this.now = options.now ?? (() => performance.now())
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
      const info = this.options.tokenInfo(d.token)
      if (!(info instanceof Promise)) return this.open(d.token, info, d, datagram, from, socket)
      lookup = {done: info.catch(() => undefined), forgotten: false}
      this.lookups.set(d.token, lookup)
    }
    // Datagrams that come during the look-up wait for it, in order.
    const waiting = lookup
    void waiting.done.then((info) => {
      if (this.lookups.get(d.token) === waiting) this.lookups.delete(d.token)
      this.open(d.token, waiting.forgotten ? undefined : info, d, datagram, from, socket)
    })
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
