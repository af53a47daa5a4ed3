import {DEFAULT_RECONNECT, type ReconnectPolicy, checkReconnectPolicy} from '../../client/reconnect-policy.js'
import type {VirtualClient} from '../../client/virtual-client.js'
import type {AdapterEvents, AdapterSession} from '../adapters/adapter.js'
import {type ImhEnv, type ImhSession, connectImh, imhAdapter} from '../adapters/imh.js'
import type {EngineCounter, EngineTrend} from '../metrics/engine-metrics.js'
import {durationField} from '../profile/duration.js'
import {type Check, integer, invalid, show} from '../profile/fields.js'
import {type ScenarioContext, countedCode, schedulerUrl} from './context.js'
import {type CommonOptions, option} from './scenario-module.js'

/** What a client session needs of a scenario's context: the engine's metrics and the common options. */
export type LoadClientContext = ScenarioContext<CommonOptions, EngineTrend, EngineCounter>

export const LOAD_PASSWORD = 'imh-load-password'

/** The username of global client `index` in this run; a run id keeps runs apart on one server. */
export function usernameFor(ctx: Pick<ScenarioContext, 'runId' | 'name'>, index: number, suffix = ''): string {
  return `imh-${ctx.runId}-${ctx.name}-${index}${suffix}`
}

/**
 * Takes a client's chat messages: a VU's object (the bodies, as their senders gave them to
 * `send`), where a listener per client cost a closure, its context and a listener table.
 */
export interface MessageSink {
  message(body: string): void
}

/** A session of the run's client adapter, wired to the run's metrics. */
export interface LoadSession<S extends AdapterSession = AdapterSession> {
  readonly session: S
  /** Settles when the session ends for any reason but close(), so a VU's loop can end (and the executor start it again). */
  readonly closed: Promise<Error>
  close(): Promise<void>
}

/** A session of our own protocol, for the scenarios that speak more of it than chat (moments, talk, …). */
export interface LoadClient extends LoadSession<ImhSession> {
  readonly client: VirtualClient
}

/**
 * The adapter contract's events on the harness's side: what a session's events do to the run's
 * metrics, and when it ended. Methods of a class, so that thousands of sessions carry no closures.
 */
class SessionEvents implements AdapterEvents {
  readonly ended: Promise<Error>
  private settle!: (err: Error) => void
  /** The VU closes the session: nothing after counts as a failure. */
  closing = false
  private connected = false

  constructor(private readonly ctx: LoadClientContext, private readonly messages: MessageSink | undefined) {
    this.ended = new Promise<Error>((resolve) => (this.settle = resolve))
  }

  message(body: string): void {
    this.messages?.message(body)
  }

  timing(phase: 'scheduler' | 'login' | 'connect', ms: number): void {
    this.ctx.recorder.trend(phase, ms)
  }

  heartbeat(ms: number): void {
    this.ctx.recorder.trend('heartbeat_rtt', ms)
  }

  error(err: unknown): void {
    this.ctx.recorder.error(countedCode(err))
  }

  /** Counts the client among those holding a session (the run's `vus`). */
  up(): void {
    if (this.connected) return
    this.connected = true
    this.ctx.gauges.connected++
  }

  disconnected(): void {
    if (!this.connected) return
    this.connected = false
    this.ctx.gauges.connected--
  }

  reconnected(info: {reconnectMs: number; resyncMs?: number}): void {
    this.up()
    this.ctx.recorder.add('reconnects', 1)
    this.ctx.recorder.trend('reconnect_time', info.reconnectMs)
    if (info.resyncMs !== undefined) this.ctx.recorder.trend('resync_time', info.resyncMs)
  }

  closed(err: Error, counted = false): void {
    this.disconnected()
    if (this.closing) return
    if (!counted) this.ctx.recorder.error(countedCode(err))
    this.settle(err)
  }
}

class Session<S extends AdapterSession> implements LoadSession<S> {
  constructor(readonly session: S, private readonly events: SessionEvents) {}

  get closed(): Promise<Error> {
    return this.events.ended
  }

  async close(): Promise<void> {
    this.events.closing = true
    this.events.disconnected()
    await this.session.close().catch(() => undefined)
  }
}

class ImhLoadClient extends Session<ImhSession> implements LoadClient {
  get client(): VirtualClient {
    return this.session.client
  }
}

/**
 * State a client index keeps from one session to its next (ConnectRequest.memo): a client that
 * starts again is the same device as before (the imh adapter keeps what the scheduler told it).
 * Per scenario context, so a run's end frees them.
 */
const memos = new WeakMap<object, Map<number, Map<string, unknown>>>()

function memoFor(ctx: object, index: number): Map<string, unknown> {
  let byIndex = memos.get(ctx)
  if (!byIndex) memos.set(ctx, (byIndex = new Map()))
  let memo = byIndex.get(index)
  if (!memo) byIndex.set(index, (memo = new Map()))
  return memo
}

/** How a session starts: its username, its heartbeat (false, true: the protocol's interval, or ms), who takes its messages, how it comes back. */
export interface SessionOptions {
  username: string
  heartbeat: boolean | number
  messages?: MessageSink
  reconnect?: ReconnectPolicy
}

/**
 * Opens a session of the scenario's client adapter (`ctx.adapter`; none: ours) for client
 * `index`: connects and logs in, counts it among the connected clients; its timings, heartbeats
 * and errors go to the run's metrics, its messages to `o.messages` (from the start: with ours, the
 * SYNC right after AUTH brings what was stored while this client was away).
 */
export async function startSession(ctx: LoadClientContext, index: number, o: SessionOptions): Promise<LoadSession> {
  const resolved = ctx.adapter
  if (!resolved || resolved.adapter === imhAdapter) return startLoadClient(ctx, index, o)
  const target = ctx.urls.target!
  const events = new SessionEvents(ctx, o.messages)
  const session = await resolved.adapter.connect({
    index, username: o.username, password: LOAD_PASSWORD, target, heartbeat: o.heartbeat, requestTimeoutMs: ctx.options.requestTimeoutMs,
    localAddress: ctx.addresses.addressFor(index, target), tls: ctx.tls, options: resolved.options, events, memo: memoFor(ctx, index),
    ...(o.reconnect ? {reconnect: o.reconnect} : {}),
  })
  events.up()
  return new Session(session, events)
}

/** A session of our own protocol (PROTOCOL.md), whatever the run's adapter: the scenarios that speak more of it than chat. */
export async function startLoadClient(ctx: LoadClientContext, index: number, o: SessionOptions): Promise<LoadClient> {
  const scheduler = schedulerUrl(ctx)
  const events = new SessionEvents(ctx, o.messages)
  const env: ImhEnv = {addresses: ctx.addresses, ...(ctx.transport ? {transport: ctx.transport} : {})}
  const session = await connectImh({
    index, username: o.username, password: LOAD_PASSWORD, target: scheduler, heartbeat: o.heartbeat, requestTimeoutMs: ctx.options.requestTimeoutMs,
    localAddress: ctx.addresses.addressFor(index, scheduler), tls: ctx.tls, options: {}, events, memo: memoFor(ctx, index), env,
    ...(o.reconnect ? {reconnect: o.reconnect} : {}),
  })
  events.up()
  return new ImhLoadClient(session, events)
}

const positiveDuration = durationField({positive: true})

const heartbeatInterval: Check<number | 'server'> = Object.assign(
  (value: unknown, field: string, file: string): number | 'server' => {
    if (value === 'server') return 'server'
    try {
      return positiveDuration(value, field, file)
    } catch {
      throw invalid(file, field, `expected a duration > 0 like '5s', or 'server' (the interval the server announces), got ${show(value)}`)
    }
  },
  {what: "a duration like '5s', or 'server'", format: (v: number | 'server') => v === 'server' ? v : positiveDuration.format!(v)},
)

/** The `heartbeatInterval` option of scenarios whose clients keep a long link (chat, heartbeat, moments). */
export const HEARTBEAT_INTERVAL = option({
  field: 'heartbeatInterval',
  check: heartbeatInterval,
  default: 'server',
  doc: 'time between heartbeats; `server` = the interval the server announces',
})

/**
 * Options of every scenario whose clients keep a long link: the heartbeat, and how a client
 * comes back after losing its link (reconnect-policy.ts). `reconnectAttempts: 0` restores the
 * old behaviour: the VU ends and the executor starts it again a second later, as a new login.
 */
export const LONG_LINK_OPTIONS = {
  heartbeatIntervalMs: HEARTBEAT_INTERVAL,
  reconnectAttempts: option({field: 'reconnectAttempts', check: integer(0, 100), default: DEFAULT_RECONNECT.attempts, doc: 'tries to win a lost long link back (back-off with full jitter, fresh scheduler look-up, AUTH on any node, SYNC from its key) before the session ends; 0: never'}),
  reconnectBaseMs: option({field: 'reconnectBase', check: positiveDuration, default: DEFAULT_RECONNECT.baseMs, doc: 'back-off ceiling of the first reconnection try; it doubles each try'}),
  reconnectCapMs: option({field: 'reconnectCap', check: positiveDuration, default: DEFAULT_RECONNECT.capMs, doc: 'largest back-off ceiling of a reconnection try'}),
}

/** The reconnection policy of a long-link scenario's options; none when `reconnectAttempts` is 0. */
export function reconnectOption(o: {reconnectAttempts: number; reconnectBaseMs: number; reconnectCapMs: number}): ReconnectPolicy | undefined {
  if (o.reconnectAttempts === 0) return undefined
  return checkReconnectPolicy({attempts: o.reconnectAttempts, baseMs: o.reconnectBaseMs, capMs: Math.max(o.reconnectCapMs, o.reconnectBaseMs)})
}

/** The VirtualClient heartbeat setting for a `heartbeatInterval` option: the server's interval, or the profile's. */
export function heartbeatOption(interval: number | 'server'): boolean | number {
  return interval === 'server' ? true : interval
}
