import type {Socket} from 'node:dgram'
import {TALK_PUSH_HISTORY, TalkClient} from '../../client/talk-client.js'
import {keepNewest} from '../../common/keep-newest.js'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {bool, integer, numberIn} from '../profile/fields.js'
import {errorCode, schedulerUrl} from './context.js'
import {startLoadClient, usernameFor} from './load-client.js'
import {peerActive, peerOf} from './pairs.js'
import {defineScenario, option} from './scenario-module.js'
import {RELAY_METRICS, type RelayReply, Stopped, bindUdp, talkThroughRelay} from './talk-relay.js'

/** Between two calls of one pair (closed model). */
const PAUSE_MS = 250

/**
 * Real-time talk (PROTOCOL.md §11): clients 2m and 2m+1 form a pair; 2m calls 2m+1 over the long
 * link (TALK_INVITE → TALK_RING → TALK_JOIN → TALK_JOINED), both probe STUN on every relay port
 * from their own UDP socket, pick the path and exchange a press-to-talk burst through the relay,
 * then the caller hangs up and calls again after a short pause.
 *
 * Before the burst each party sends small priming datagrams until the other party's first one
 * arrives: the relay forwards only once it learnt both roles, and the primes keep the burst itself
 * from falling into that gap. Loss is counted by the seq span rule of RelayPeer.report(): gaps
 * between the lowest and highest seq received. Losses after the last datagram received are not
 * seen; the receiver drains (until nothing arrived for 200 ms) before it reports, so only a lost
 * tail goes uncounted. With `echo`, datagrams go to the relay and back to their sender only:
 * relay_rtt per echo, relay_lost = sent − echoes, no jitter.
 */
export const talk = defineScenario({
  kind: 'talk',
  summary: 'real-time talk (PROTOCOL.md §11): call pairs invite, ring and join over the long link, probe STUN on every relay port and talk through the UDP relay.',
  details: [
    'Each VU is one client; clients 2m and 2m+1 form a call pair (client 2m calls 2m+1; the peer\'s user id is learnt across workers like `chat`; in an offline shard `--shard i/N`, the shard\'s own clients pair up as in `chat`). Each VU logs in, opens its long link and binds one UDP socket of its own (on its loopback source address when the target is loopback). A call: the caller sends TALK_INVITE, the callee waits for the ring and joins; both probe STUN on every relay port of the reply from their socket (`stun_rtt` per port that answered), pick the path, send small priming datagrams until the other party\'s first one arrives (the relay forwards only once it knows both roles), then talk for `talkDuration` at `pps` datagrams of `packetSize` bytes, drain until nothing arrived for 200 ms, and record the call; the caller hangs up and calls again after 250 ms. When the run stops, a call in progress is hung up at once.',
    '`relay_latency` is one-way, per datagram received (sender and receiver share the host\'s clock); `relay_jitter` is the RFC 3550 interarrival jitter at the end of each call, per receiving party. Loss follows the seq span rule: a datagram is lost when its seq lies between the lowest and highest seq the receiver saw and never arrived (the peer\'s sent count is not exchanged); a loss after the last datagram received goes unseen, which the drain keeps to the tail of a call. With `echo: true` every datagram goes to the relay and back to its sender only: `relay_rtt` per echo, `relay_received` = echoes, `relay_lost` = sent − echoes, no jitter. Refusals (`IMH_ERR_TALK_BUSY`, `IMH_ERR_TALK_OFFLINE`), timeouts and failed STUN probes count as errors by code.',
    'Open models (arrival-rate executors): every VU answers rings in the background and each iteration is one call its VU places to its pair as the caller; a pair already talking refuses it (`IMH_ERR_TALK_BUSY`). The reference server limits each role to 200 datagrams/s (burst 50): a higher `pps` shows up as `relay_lost`.',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    talkDurationMs: option({field: 'talkDuration', check: durationField({positive: true}), default: 5000, doc: 'how long each party talks per call'}),
    pps: option({field: 'pps', check: numberIn(1, 10_000), default: 50, doc: 'datagrams per second each party sends while talking (20 ms voice frames)'}),
    packetSize: option({field: 'packetSize', check: integer(0, 1200), default: 160, doc: 'payload bytes per datagram (20 ms of G.711)'}),
    echo: option({field: 'echo', check: bool, default: false, doc: 'send with the echo flag and measure `relay_rtt` instead of one-way latency'}),
  },
  metrics: [
    trend('call_setup', 'talk: TALK_INVITE sent → the TALK_JOINED push (the callee joined), at the caller'),
    counter('calls', 'talk: calls placed, talked through and hung up', {reportZero: true}),
    ...RELAY_METRICS,
  ],
  rate: {doc: 'pairs call back to back, so there is no rate to set; use an arrival-rate executor'},
  create(ctx) {
    const scheduler = schedulerUrl(ctx)
    const {recorder, clock} = ctx
    const {talkDurationMs: talkMs, pps, packetSize: size, echo, requestTimeoutMs: timeoutMs} = ctx.options

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: true})
        let dead: Error | undefined
        // Whoever waits on a guarded request now; one reaction on `closed` serves them all (a
        // reaction per request would stay on the session's promise, with what it resolved to,
        // until the session ends: a long call loop grew by every probe and join it made).
        const onDead = new Set<(e: Error) => void>()
        void lc.closed.then((e) => {
          dead = e
          for (const f of onDead) f(e)
        })
        const talk = TalkClient.of(lc.client)
        talk.on('error', (err) => recorder.error(errorCode(err)))
        ctx.directory.publish(index, lc.client.userId!)
        const localAddress = ctx.addresses.addressFor(index, scheduler)
        let socket: Socket | undefined
        const handled = new Set<string>()

        /** `p`, unless the signal aborts (throws Stopped) or the session ends (throws its error) first. */
        const guard = <T>(p: Promise<T>, signal: AbortSignal): Promise<T> => {
          p.catch(() => undefined)
          if (signal.aborted) return Promise.reject(new Stopped())
          if (dead) return Promise.reject(dead)
          return new Promise<T>((resolve, reject) => {
            const onAbort = () => (done(), reject(new Stopped()))
            const onClosed = (e: Error) => (done(), reject(e))
            const done = () => {
              signal.removeEventListener('abort', onAbort)
              onDead.delete(onClosed)
            }
            signal.addEventListener('abort', onAbort, {once: true})
            onDead.add(onClosed)
            p.then((v) => (done(), resolve(v)), (e: unknown) => (done(), reject(e)))
          })
        }
        const pause = (ms: number, signal: AbortSignal) => clock.sleep(ms, signal).catch(() => undefined)

        /** STUN on every relay port, then the burst through the picked one. */
        const media = (reply: RelayReply, signal: AbortSignal): Promise<void> => talkThroughRelay({
          reply, signal, recorder, clock, talkMs, pps, size, echo, timeoutMs,
          socket: async (first) => (socket ??= await bindUdp(localAddress ?? (first.includes('[') ? '::' : '0.0.0.0'))),
          guard: (p) => guard(p, signal),
        })

        /** Caller: one call to the peer, from TALK_INVITE to hang-up. Resolves false when the peer is not there yet. */
        const callOnce = async (signal: AbortSignal): Promise<boolean> => {
          const peerIndex = peerOf(index, ctx.shard?.count)
          const callee = ctx.directory.lookup(peerIndex)
          if (!callee || !peerActive(ctx, peerIndex)) return false
          let callId: string | undefined
          try {
            const t0 = clock.now()
            const invite = await guard(talk.invite(callee, timeoutMs), signal)
            callId = invite.callId
            await guard(talk.waitJoined(invite.callId, timeoutMs), signal)
            recorder.trend('call_setup', clock.now() - t0)
            await media(invite, signal)
            if (signal.aborted) throw new Stopped()
            await guard(talk.hangup(invite.callId, timeoutMs), signal)
            callId = undefined
            recorder.add('calls')
            return true
          } finally {
            if (callId !== undefined && !dead) await talk.hangup(callId, timeoutMs).catch(() => undefined)
          }
        }

        /** Callee: answers the next ring, talks, and waits for the caller's hang-up. */
        const answerOnce = async (signal: AbortSignal): Promise<void> => {
          const ring = await guard(talk.waitRing((r) => !handled.has(r.callId), timeoutMs), signal).catch((err: unknown) => {
            // Nobody called within the time limit: not an error, just wait again.
            if (err instanceof ImhError && err.code === 'IMH_ERR_TIMEOUT') return undefined
            throw err
          })
          if (!ring) return
          handled.add(ring.callId)
          // A ring older than the client's last TALK_PUSH_HISTORY pushes can no longer be matched.
          keepNewest(handled, TALK_PUSH_HISTORY)
          let live = true
          try {
            const join = await guard(talk.join(ring.callId, timeoutMs), signal)
            await media(join, signal)
            await guard(talk.waitEnded(ring.callId, timeoutMs), signal)
            live = false
          } finally {
            if (live && !dead) await talk.hangup(ring.callId, timeoutMs).catch(() => undefined)
          }
        }

        /** One turn of a loop; errors are counted, a dead session or the abort end it. */
        const turn = async (caller: boolean, signal: AbortSignal): Promise<void> => {
          try {
            if (caller) {
              if (!(await callOnce(signal))) return pause(100, signal)
            } else await answerOnce(signal)
          } catch (err) {
            if (dead) throw dead
            if (err instanceof Stopped || signal.aborted) return
            recorder.error(errorCode(err))
          }
          if (caller) await pause(PAUSE_MS, signal)
        }

        // Open models: every VU answers rings in the background, and each iteration is one call
        // placed to its pair (a pair already talking refuses it: IMH_ERR_TALK_BUSY).
        const answering = new AbortController()
        const background = ctx.plan.kind === 'arrival'
          ? (async () => {
              while (!answering.signal.aborted && !dead) await turn(false, answering.signal).catch(() => undefined)
            })()
          : Promise.resolve()

        const vu: VirtualUser = {
          async loop(signal) {
            const caller = index < peerOf(index, ctx.shard?.count)
            while (!signal.aborted) {
              if (dead) throw dead
              await turn(caller, signal)
            }
          },
          async iterate() {
            const never = new AbortController().signal
            try {
              if (!(await callOnce(never))) recorder.error('IMH_ERR_TALK_OFFLINE')
            } catch (err) {
              if (dead) throw dead
              recorder.error(errorCode(err))
            }
          },
          async close() {
            answering.abort()
            await background
            talk.detach()
            await lc.close()
            socket?.close()
          },
        }
        return vu
      },
    }
  },
})
