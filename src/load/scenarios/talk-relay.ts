import {type Socket, createSocket} from 'node:dgram'
import {isIPv6} from 'node:net'
import {RelayPeer, type RelayPeerOptions} from '../../client/relay-client.js'
import {probeStun} from '../../client/stun-client.js'
import {type DecodedRelayDatagram, ImhError} from '../../protocol/index.js'
import type {Clock} from '../clock.js'
import type {EngineCounter, EngineTrend} from '../metrics/engine-metrics.js'
import {type CounterName, type TrendName, counter, trend} from '../metrics/metric-definition.js'
import type {Recorder} from '../metrics/registry.js'

// The media half of a talk call (PROTOCOL.md §11.1, §11.3): STUN on the relay ports, then a
// press-to-talk burst through the relay, measured.

/** What a burst through the relay records; the talk scenario declares these among its metrics. */
export const RELAY_METRICS = [
  trend('stun_rtt', 'talk: STUN Binding request → its answer, per relay port that answered'),
  trend('relay_latency', "talk: one-way relay latency, the sender's send time → arrival at the other party (shared clock)"),
  trend('relay_rtt', 'talk with echo: relay datagram sent → its echo back from the relay'),
  trend('relay_jitter', 'talk: RFC 3550 interarrival jitter at the end of each call, per receiving party'),
  counter('relay_sent', 'talk: relay datagrams the parties sent (priming datagrams included)', {reportZero: true}),
  counter('relay_received', 'talk: distinct relay datagrams that reached the other party (with echo: echoes back)', {reportZero: true}),
  counter('relay_lost', 'talk: relay datagrams missing between the lowest and highest seq a party received (with echo: sent − echoes)', {reportZero: true}),
  counter('relay_reordered', 'talk: relay datagrams that arrived after one with a higher seq', {reportZero: true}),
] as const

type RelayRecorder = Recorder<TrendName<typeof RELAY_METRICS> | EngineTrend, CounterName<typeof RELAY_METRICS> | EngineCounter>

/** A drain ends once nothing arrived for this long … */
const QUIET_MS = 200
/** … or after this long at most. */
const DRAIN_MAX_MS = 2000
/** Priming datagrams are sent this often until the first one of the other party arrives. */
const PRIME_EVERY_MS = 20

/** Thrown by a guarded wait when the run stops the call. */
export class Stopped extends Error {}

/** A RelayPeer that records every accepted datagram as a load sample. */
class MeteredPeer extends RelayPeer {
  constructor(options: RelayPeerOptions, private readonly recorder: RelayRecorder) {
    super(options)
  }

  override account(d: DecodedRelayDatagram, arrival = performance.timeOrigin + performance.now()): void {
    const latency = this.latency.count
    const rtt = this.rtt.count
    super.account(d, arrival)
    if (this.latency.count > latency) this.recorder.trend('relay_latency', arrival - d.sendTime)
    if (this.rtt.count > rtt) this.recorder.trend('relay_rtt', arrival - d.sendTime)
  }

  /** Distinct datagrams of the other party, or echo replies: what a drain watches grow. */
  get arrivals(): number {
    return this.latency.count + this.rtt.count
  }
}

/** A UDP socket bound to `address` on an ephemeral port. */
export function bindUdp(address: string): Promise<Socket> {
  const socket = createSocket({type: isIPv6(address) ? 'udp6' : 'udp4'})
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({address, port: 0}, () => {
      socket.off('error', reject)
      // A late ICMP error must not crash the worker; the relay accounting shows the loss.
      socket.on('error', () => {})
      resolve(socket)
    })
  })
}

/** The relay part of a TALK_INVITE or TALK_JOIN reply. */
export interface RelayReply {
  relays: string[]
  relayToken: string
  role: 'caller' | 'callee'
}

export interface BurstOptions {
  reply: RelayReply
  /** The party's socket, bound on first use (given the first relay address). */
  socket: (firstRelay: string) => Promise<Socket>
  /** A wait that throws {@link Stopped} when the run stops, or the session's error when it ends. */
  guard: <T>(p: Promise<T>) => Promise<T>
  signal: AbortSignal
  recorder: RelayRecorder
  clock: Clock
  talkMs: number
  pps: number
  size: number
  echo: boolean
  timeoutMs: number
}

/**
 * STUN on every relay port, then the burst through the picked one: primes until the other
 * party's first datagram arrives (the relay forwards only once it knows both roles), sends
 * `talkMs` of `pps` datagrams of `size` bytes, drains, and records the call's relay figures.
 */
export async function talkThroughRelay(o: BurstOptions): Promise<void> {
  const {reply, signal, recorder, clock, echo, timeoutMs, size, pps} = o
  const pause = (ms: number) => clock.sleep(ms, signal).catch(() => undefined)
  const first = reply.relays[0]
  if (!first) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', 'the talk reply lists no relay address')
  const socket = await o.socket(first)
  const probe = await o.guard(probeStun({servers: reply.relays, socket, rtoMs: 100, maxSends: 4, finalWaitFactor: 8}))
  for (const r of probe.results) if (r.answered && r.rttMs !== undefined) recorder.trend('stun_rtt', r.rttMs)
  const path = probe.pickPath()
  if (!path) throw new ImhError('IMH_ERR_TIMEOUT', `no STUN answer from ${reply.relays.join(', ')}`)
  const peer = new MeteredPeer({socket, relay: path.server, token: reply.relayToken, role: reply.role}, recorder)
  let seq = 0
  try {
    if (!echo) {
      // Prime until the other party's first datagram arrives: then the relay knows both roles.
      const deadline = clock.now() + timeoutMs
      while (peer.arrivals === 0) {
        if (signal.aborted) return
        if (clock.now() > deadline) throw new ImhError('IMH_ERR_TIMEOUT', `relay: nothing from the other party within ${timeoutMs} ms`)
        peer.send(seq++)
        await peer.waitReceived(1, PRIME_EVERY_MS).catch(() => undefined)
      }
    }
    const count = Math.max(1, Math.round((o.talkMs * pps) / 1000))
    const payload = Buffer.alloc(size, 0x55)
    const start = clock.now()
    for (let i = 0; i < count && !signal.aborted; i++) {
      const wait = start + (i * 1000) / pps - clock.now()
      if (wait > 1) await pause(wait)
      if (signal.aborted) break
      peer.send(seq++, payload, {echo})
    }
    // Drain: until nothing arrived for QUIET_MS (or every echo came back).
    const drainEnd = clock.now() + DRAIN_MAX_MS
    let seen = peer.arrivals
    let quietSince = clock.now()
    while (!signal.aborted && clock.now() < drainEnd && !(echo && peer.arrivals >= seq)) {
      await pause(25)
      if (peer.arrivals !== seen) {
        seen = peer.arrivals
        quietSince = clock.now()
      } else if (clock.now() - quietSince >= QUIET_MS) break
    }
  } finally {
    peer.close()
    const r = peer.report()
    recorder.add('relay_sent', r.sent)
    if (echo) {
      recorder.add('relay_received', r.echoes)
      recorder.add('relay_lost', Math.max(0, r.sent - r.echoes))
    } else {
      recorder.add('relay_received', r.received)
      recorder.add('relay_lost', r.lost)
      recorder.add('relay_reordered', r.reordered)
      if (r.received > 1) recorder.trend('relay_jitter', r.jitterMs)
    }
    recorder.add('data_sent', r.sent * size)
  }
}
