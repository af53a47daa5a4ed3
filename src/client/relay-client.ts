import type {RemoteInfo, Socket} from 'node:dgram'
import {LatencyHistogram, type MetricSummary} from '../common/histogram.js'
import {SeenSet} from '../common/seen-set.js'
import {
  ImhError, RELAY_MAX_PAYLOAD_BYTES, RELAY_TOKEN_PATTERN, type DecodedRelayDatagram, type RelayRole, decodeRelay, encodeRelay, isRelayDatagram,
  unmapIPv4,
} from '../protocol/index.js'
import {type StunServer, parseStunServer} from './stun-client.js'

/** The sender's clock for sendTime and arrival: ms since the epoch, sub-ms resolution, monotonic within a process. */
export function relayClock(): number {
  return performance.timeOrigin + performance.now()
}

export interface RelayPeerOptions {
  /** The UDP socket already used for STUN (PROTOCOL.md §11.1): its mapping is the path. Stays open. */
  socket: Socket
  /** The relay address picked by the STUN probe (StunProbe.pickPath().server), or `udp://host:port`. */
  relay: string | StunServer
  /** relayToken of the call (TALK_INVITE / TALK_JOIN reply). */
  token: string
  /** This party's role in the call. */
  role: RelayRole
  /** Clock in ms; default {@link relayClock}. Both parties must share it for one-way latency to mean anything. */
  clock?: () => number
}

export interface BurstOptions {
  /** Datagrams per second; default 50 (20 ms voice frames). 1–10000. */
  pps?: number
  /** Payload bytes per datagram; default 160 (20 ms of G.711). 0–1200. */
  size?: number
  /** How long the button is held, ms (1 ms – 10 min). The count is round(durationMs × pps / 1000), at least 1. */
  durationMs: number
  /** Send with the echo flag (round-trip measurement). */
  echo?: boolean
}

export interface RelayReport {
  /** Datagrams this party sent (echo requests included). */
  sent: number
  /** Distinct seqs received from the other party. */
  received: number
  /**
   * Datagrams of the other party expected: `peerSent` when given to report(), otherwise the seq
   * range seen (highest − lowest + 1), which cannot see losses before the first or after the
   * last datagram received.
   */
  expected: number
  /** expected − received, never below 0. */
  lost: number
  /** Datagrams of the other party received again with a seq already seen. */
  duplicates: number
  /** Datagrams that arrived with a seq lower than the highest seen before them (not duplicates). */
  reordered: number
  /** Highest seq of the other party seen; undefined before the first. */
  highestSeq: number | undefined
  /** RFC 3550 §6.4.1 interarrival jitter, ms. */
  jitterMs: number
  /** One-way latency (arrival − sendTime) of the other party's datagrams, ms; meaningful only on a shared clock. */
  latency: MetricSummary
  /** Echo replies received. */
  echoes: number
  /** Round-trip times of echo replies, ms. */
  rtt: MetricSummary
  /** Datagrams ignored: not from the relay address, not relay datagrams, malformed, another token. */
  ignored: number
}

/**
 * One party's end of the UDP relay (PROTOCOL.md §11.3): sends relay datagrams over the STUN
 * socket to the picked relay port and accounts for what the other party's datagrams look like on
 * arrival (loss, duplicates, reordering, jitter, latency) and for echo round trips.
 */
export class RelayPeer {
  readonly relay: StunServer
  readonly token: string
  readonly role: RelayRole
  readonly latency = new LatencyHistogram()
  readonly rtt = new LatencyHistogram()
  private readonly socket: Socket
  private readonly clock: () => number
  /** Seqs of the other party received: runs, so a long call costs memory per gap, not per datagram. */
  private readonly seen = new SeenSet()
  private sent = 0
  private nextSeq = 0
  private duplicates = 0
  private reordered = 0
  private jitter = 0
  private lastTransit: number | undefined
  private echoes = 0
  private ignored = 0
  private readonly waiters = new Set<() => void>()
  private readonly onMessage = (datagram: Buffer, rinfo: RemoteInfo) => this.receive(datagram, rinfo)
  private readonly onError = () => {}

  constructor(options: RelayPeerOptions) {
    if (!RELAY_TOKEN_PATTERN.test(options.token)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'RelayPeer: token must be 32 lowercase hex digits', {option: 'token'})
    this.socket = options.socket
    this.relay = parseStunServer(options.relay)
    this.token = options.token
    this.role = options.role
    this.clock = options.clock ?? relayClock
    this.socket.on('message', this.onMessage)
    this.socket.on('error', this.onError)
  }

  /** Sends one datagram stamped with the current clock. */
  send(seq: number, payload: Buffer = Buffer.alloc(0), options: {echo?: boolean} = {}): void {
    const datagram = encodeRelay({role: this.role, token: this.token, seq, sendTime: this.clock(), echo: options.echo ?? false, payload})
    this.nextSeq = Math.max(this.nextSeq, seq + 1)
    this.sent++
    this.socket.send(datagram, this.relay.port, this.relay.host)
  }

  /**
   * Press-to-talk: sends round(durationMs × pps / 1000) datagrams of `size` bytes at a steady
   * pace (each one at start + i / pps, not drifting with timer lateness), with seqs continuing
   * after the highest sent so far. Resolves with the count sent.
   */
  async burst(options: BurstOptions): Promise<number> {
    const pps = options.pps ?? 50
    const size = options.size ?? 160
    const {durationMs} = options
    if (!Number.isFinite(pps) || pps < 1 || pps > 10_000) throw new ImhError('IMH_ERR_INVALID_OPTION', `burst pps must be 1–10000, got ${pps}`, {option: 'pps'})
    if (!Number.isInteger(size) || size < 0 || size > RELAY_MAX_PAYLOAD_BYTES) throw new ImhError('IMH_ERR_INVALID_OPTION', `burst size must be 0–${RELAY_MAX_PAYLOAD_BYTES}, got ${size}`, {option: 'size'})
    if (!Number.isFinite(durationMs) || durationMs < 1 || durationMs > 600_000) throw new ImhError('IMH_ERR_INVALID_OPTION', `burst durationMs must be 1–600000, got ${durationMs}`, {option: 'durationMs'})
    const count = Math.max(1, Math.round((durationMs * pps) / 1000))
    const interval = 1000 / pps
    const payload = Buffer.alloc(size, 0x55)
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      const wait = start + i * interval - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      this.send(this.nextSeq, payload, {echo: options.echo ?? false})
    }
    return count
  }

  /** Resolves once `received` (distinct datagrams of the other party) reaches n; rejects after timeoutMs. */
  waitReceived(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.seen.size >= n, `${n} datagrams from the other party`, timeoutMs)
  }

  /** Resolves once n echo replies came back. */
  waitEchoes(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.echoes >= n, `${n} echo replies`, timeoutMs)
  }

  /** The accounting so far; `peerSent` (the other party's sent count, if known) makes `lost` exact. */
  report(peerSent?: number): RelayReport {
    const received = this.seen.size
    const highestSeq = this.seen.max
    const range = highestSeq === undefined ? 0 : highestSeq - this.seen.min! + 1
    const expected = peerSent ?? range
    return {
      sent: this.sent,
      received,
      expected,
      lost: Math.max(0, expected - received),
      duplicates: this.duplicates,
      reordered: this.reordered,
      highestSeq,
      jitterMs: this.jitter,
      latency: this.latency.summary(),
      echoes: this.echoes,
      rtt: this.rtt.summary(),
      ignored: this.ignored,
    }
  }

  /** Stops listening; the socket stays open (it belongs to the caller). */
  close(): void {
    this.socket.off('message', this.onMessage)
    this.socket.off('error', this.onError)
    for (const w of this.waiters) w()
  }

  /**
   * Accounts for one datagram as if it arrived now (or at `arrival`). Public so that the
   * accounting can be fed synthetic datagrams; the socket listener calls it too.
   */
  account(d: DecodedRelayDatagram, arrival = this.clock()): void {
    if (d.token !== this.token) {
      this.ignored++
      return
    }
    if (d.role === this.role) {
      // Our own datagram back: an echo reply (the relay never forwards a role to itself).
      if (d.echo) {
        this.echoes++
        this.rtt.record(arrival - d.sendTime)
      } else this.ignored++
      return
    }
    const highest = this.seen.max
    if (!this.seen.add(d.seq)) {
      this.duplicates++
      return
    }
    if (highest !== undefined && d.seq < highest) this.reordered++
    this.latency.record(arrival - d.sendTime)
    // RFC 3550 §6.4.1: D = (Rj − Ri) − (Sj − Si) = transit_j − transit_i, in arrival order.
    const transit = arrival - d.sendTime
    if (this.lastTransit !== undefined) this.jitter += (Math.abs(transit - this.lastTransit) - this.jitter) / 16
    this.lastTransit = transit
  }

  private receive(datagram: Buffer, rinfo: RemoteInfo): void {
    const arrival = this.clock()
    // Only the relay port we talk to; STUN answers and strangers are not ours.
    if (rinfo.port !== this.relay.port || unmapIPv4(rinfo.address) !== unmapIPv4(this.relay.host) || !isRelayDatagram(datagram)) {
      if (isRelayDatagram(datagram)) this.ignored++
      return
    }
    let d
    try {
      d = decodeRelay(datagram)
    } catch {
      this.ignored++
      return
    }
    this.account(d, arrival)
    for (const w of this.waiters) w()
  }

  private until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return
        cleanup()
        resolve()
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new ImhError('IMH_ERR_TIMEOUT', `relay: no ${what} within ${timeoutMs} ms (${JSON.stringify({received: this.seen.size, echoes: this.echoes})})`))
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
    })
  }
}
