import WebSocket from 'ws'
import {openWebSocket} from '../../client/open-web-socket.js'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {durationField} from '../profile/duration.js'
import {type Check, integer, invalid, urlOf} from '../profile/fields.js'
import {errorCode} from './context.js'
import {offAbort, onAbort} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

const positiveDuration = durationField({positive: true})

// A plain WebSocket ping has no server-announced interval to follow.
const pingInterval: Check<number> = Object.assign(
  (value: unknown, field: string, file: string): number => {
    if (value === 'server') throw invalid(file, field, `'server' is only for chat and heartbeat, whose server announces an interval; expected ${positiveDuration.what}`)
    return positiveDuration(value, field, file)
  },
  {what: positiveDuration.what, format: positiveDuration.format},
)

/**
 * Works against any WebSocket server: heartbeats are WebSocket ping/pong (RFC 6455 §5.5.2), which
 * every conforming server answers, so no knowledge of our protocol is needed.
 */
export const wsPing = defineScenario({
  kind: 'ws-ping',
  summary: 'plain WebSocket ping/pong, no IM protocol; `heartbeat_rtt` times each pong.',
  details: 'Works against any WebSocket server: every conforming server answers a ping (RFC 6455 §5.5.2). Open models: each iteration is one ping, timed from its intended start.',
  needsScheduler: false,
  options: {
    url: option({field: 'url', check: urlOf(['ws:', 'wss:']), defaultDoc: "the target's long link", doc: 'the WebSocket server'}),
    heartbeatIntervalMs: option({field: 'heartbeatInterval', check: pingInterval, default: 1000, doc: 'time between pings (`server` is not allowed: there is no IM server to announce one)'}),
    payloadSize: option({field: 'payloadSize', check: integer(0, 125), default: 16, doc: 'ping payload bytes (125 is the WebSocket limit for control frames)'}),
  },
  metrics: [],
  rate: {sets: 'heartbeatIntervalMs', as: 'interval', unit: 'pings'},
  create(ctx) {
    const url = ctx.options.url ?? ctx.urls.ws
    if (!url) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.name}: ws-ping needs a url (profile field url or --target ws://…)`)
    const shared: Shared = {ctx, url, target: new URL(url), interval: ctx.options.heartbeatIntervalMs, timeout: ctx.options.requestTimeoutMs, payload: Buffer.alloc(ctx.options.payloadSize, 0x69)}
    return {create: (index) => PingVu.connect(shared, index)}
  },
})

/** What every VU of one ws-ping scenario shares (one object, not a copy per VU). */
interface Shared {
  ctx: Parameters<typeof wsPing.create>[0]
  url: string
  target: URL
  interval: number
  timeout: number
  payload: Buffer
}

function noop(): void {}

/**
 * One ws-ping VU. Idle connections are what this scenario is about, so an idle VU holds its socket,
 * a few numbers, four small callbacks and one timer at a time: no per-ping promise or closure, no
 * suspended async function, no listener left from the connect (measured with bench:density).
 */
class PingVu implements VirtualUser {
  /** Start time of the closed loop's ping in flight; -1: none. */
  #sentAt = -1
  /** Pongs still to come for loop pings that timed out: skipped when they arrive (pongs come back in ping order, RFC 6455 gives them no id). */
  #late = 0
  /** Open models: settles the iteration of each ping in flight, in ping order (made on first use). */
  #waiters: Array<() => void> | undefined
  #timer: NodeJS.Timeout | undefined
  /** Set while a closed loop runs. */
  #signal: AbortSignal | undefined
  #resolve: (() => void) | undefined
  #reject: ((err: ImhError) => void) | undefined
  #closing = false
  #closedBy: ImhError | undefined

  private constructor(private readonly s: Shared, private readonly ws: WebSocket) {
    ws.on('pong', this.#onPong)
    ws.once('close', this.#onClose)
  }

  static async connect(s: Shared, index: number): Promise<PingVu> {
    const {ctx, url, timeout} = s
    const t0 = ctx.clock.now()
    // The shared URL object: ws then keeps its one href string instead of a copy per VU.
    const vu = await openWebSocket(s.target, {perMessageDeflate: false, localAddress: ctx.addresses.addressFor(index, url), ca: ctx.tls.ca, rejectUnauthorized: ctx.tls.rejectUnauthorized}, timeout, url, (ws) => {
      ws.on('error', noop)
      return new PingVu(s, ws)
    })
    ctx.recorder.trend('connect', ctx.clock.now() - t0)
    ctx.gauges.connected++
    return vu
  }

  /** Closed models: a ping every interval from a random phase, each pong timed, until the signal. */
  loop(signal: AbortSignal): Promise<void> {
    if (this.#closedBy) return Promise.reject(this.#closedBy)
    if (signal.aborted) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#signal = signal
      this.#resolve = resolve
      this.#reject = reject
      onAbort(signal, this.#stop)
      this.#arm(this.s.ctx.random() * this.s.interval)
    })
  }

  /** Open models: one ping, timed from its intended start. */
  async iterate(intendedMs: number): Promise<void> {
    const {ctx, timeout} = this.s
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new ImhError('IMH_ERR_TIMEOUT', `no pong within ${timeout} ms`)), timeout)
        ;(this.#waiters ??= []).push(() => {
          clearTimeout(t)
          resolve()
        })
        this.ws.ping(this.s.payload)
      })
      ctx.recorder.trend('heartbeat_rtt', ctx.clock.now() - intendedMs)
      ctx.recorder.add('iterations')
    } catch (err) {
      ctx.recorder.error(errorCode(err))
    }
  }

  async close(): Promise<void> {
    this.#closing = true
    const ws = this.ws
    if (ws.readyState === WebSocket.CLOSED) return
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000)
    await Promise.race([new Promise((r) => ws.once('close', r)), this.s.ctx.clock.sleep(2000)])
    ws.terminate()
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer)
    // Whole milliseconds: Node keeps a list per distinct duration, keyed by it in one object, and
    // fractional keys (clock differences are) each add a hidden class there, ~5,000 at 5,000 VUs.
    this.#timer = setTimeout(this.#tick, Math.max(1, Math.round(ms)))
  }

  /** The timer: the next ping is due, or the one in flight ran out of time. */
  readonly #tick = (): void => {
    this.#timer = undefined
    if (!this.#signal || this.ws.readyState !== WebSocket.OPEN) return
    const {ctx, interval, timeout} = this.s
    const now = ctx.clock.now()
    if (this.#sentAt >= 0) {
      // No pong within the time limit: counted, and the next ping goes at its own time.
      this.#late++
      ctx.recorder.error('IMH_ERR_TIMEOUT')
      const next = this.#sentAt + interval
      this.#sentAt = -1
      return this.#arm(next - now)
    }
    this.#sentAt = now
    this.ws.ping(this.s.payload)
    this.#arm(timeout)
  }

  readonly #onPong = (): void => {
    const waiter = this.#waiters?.shift()
    if (waiter) return waiter()
    if (this.#late > 0) return void this.#late--
    const sentAt = this.#sentAt
    if (sentAt < 0) return
    const {ctx, interval} = this.s
    const now = ctx.clock.now()
    ctx.recorder.trend('heartbeat_rtt', now - sentAt)
    ctx.recorder.add('iterations')
    this.#sentAt = -1
    if (this.#signal) this.#arm(sentAt + interval - now)
  }

  /** The loop's signal aborted: the loop ends. */
  readonly #stop = (): void => {
    this.#endLoop()?.resolve()
  }

  readonly #onClose = (code: number): void => {
    const {ctx, url} = this.s
    ctx.gauges.connected--
    if (!this.#closing) {
      ctx.recorder.error('IMH_ERR_CONNECTION_CLOSED')
      this.#closedBy = new ImhError('IMH_ERR_CONNECTION_CLOSED', `${url} closed the connection (${code})`)
      this.#endLoop()?.reject(this.#closedBy)
    } else {
      this.#endLoop()?.resolve()
    }
    for (const waiter of this.#waiters?.splice(0) ?? []) waiter()
  }

  /** Stops the closed loop's pings; returns how to settle it (undefined: no loop ran). */
  #endLoop(): {resolve(): void; reject(err: ImhError): void} | undefined {
    const signal = this.#signal
    if (!signal) return undefined
    offAbort(signal, this.#stop)
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#sentAt = -1
    const settle = {resolve: this.#resolve!, reject: this.#reject!}
    this.#signal = this.#resolve = this.#reject = undefined
    return settle
  }
}
