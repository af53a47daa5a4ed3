import type {CloseInfo} from '../../client/long-link.js'
import {ResolverCache} from '../../client/resolve.js'
import {DEFAULT_RECONNECT, type ReconnectPolicy, checkReconnectPolicy} from '../../client/reconnect-policy.js'
import {type ClientObserver, type ReconnectInfo, VirtualClient} from '../../client/virtual-client.js'
import {type ChatMessage, type ErrorReply, ImhError, isErrorCode} from '../../protocol/index.js'
import type {EngineCounter, EngineTrend} from '../metrics/engine-metrics.js'
import {durationField} from '../profile/duration.js'
import {type Check, integer, invalid, show} from '../profile/fields.js'
import {type ScenarioContext, errorCode, schedulerUrl} from './context.js'
import {type CommonOptions, option} from './scenario-module.js'

/** What the protocol client needs of a scenario's context: the engine's metrics and the common options. */
export type LoadClientContext = ScenarioContext<CommonOptions, EngineTrend, EngineCounter>

export const LOAD_PASSWORD = 'imh-load-password'

/** The username of global client `index` in this run; a run id keeps runs apart on one server. */
export function usernameFor(ctx: Pick<ScenarioContext, 'runId' | 'name'>, index: number, suffix = ''): string {
  return `imh-${ctx.runId}-${ctx.name}-${index}${suffix}`
}

/**
 * A protocol client wired to the run's metrics: scheduler, login and connect timings, heartbeat
 * round trips, server errors by code. `closed` settles when the session ends for any reason, so a
 * VU's loop can end (and the executor reconnect it) when the server drops it.
 */
/**
 * Takes a client's chat messages (its 'message' events) through the session's observer: a VU's
 * object, where a listener per client cost a closure, its context and a listener table.
 */
export interface MessageSink {
  message(m: ChatMessage): void
}

export interface LoadClient {
  client: VirtualClient
  closed: Promise<ImhError>
  close(): Promise<void>
}

/**
 * What a session makes of its client's events, and when it ended. The observer of its client
 * (VirtualClientOptions.observer): methods of a class, so that a worker's thousands of clients
 * carry no listener closures.
 */
class SessionEvents implements ClientObserver {
  readonly closed: Promise<ImhError>
  private settle!: (err: ImhError) => void
  private lastServerError: ImhError | undefined
  /** The VU closes the session: its link's close is no failure. */
  closing = false
  connected = false

  constructor(private readonly ctx: LoadClientContext, private readonly messages: MessageSink | undefined) {
    this.closed = new Promise<ImhError>((resolve) => (this.settle = resolve))
  }

  message(_c: VirtualClient, m: ChatMessage): void {
    this.messages?.message(m)
  }

  timing(_c: VirtualClient, phase: 'scheduler' | 'login' | 'connect', ms: number): void {
    this.ctx.recorder.trend(phase, ms)
  }

  heartbeat(_c: VirtualClient, ms: number): void {
    this.ctx.recorder.trend('heartbeat_rtt', ms)
  }

  error(_c: VirtualClient, err: Error): void {
    this.ctx.recorder.error(errorCode(err))
  }

  'server-error'(_c: VirtualClient, e: ErrorReply): void {
    this.ctx.recorder.error(e.code)
    this.lastServerError = new ImhError(isErrorCode(e.code) ? e.code : 'IMH_ERR_SERVER_ERROR', e.errMsg)
  }

  close(c: VirtualClient, info: CloseInfo): void {
    if (this.connected) this.ctx.gauges.connected--
    this.connected = false
    // A client coming back keeps its session; it ends only if every try fails.
    if (this.closing || c.reconnecting) return
    const err = this.lastServerError ?? new ImhError('IMH_ERR_CONNECTION_CLOSED', `the server closed the long link (${info.code} ${info.reason})`)
    if (!this.lastServerError) this.ctx.recorder.error(err.code)
    this.settle(err)
  }

  reconnected(_c: VirtualClient, info: ReconnectInfo): void {
    this.ctx.gauges.connected++
    this.connected = true
    this.lastServerError = undefined
    this.ctx.recorder.add('reconnects', 1)
    this.ctx.recorder.trend('reconnect_time', info.reconnectMs)
    this.ctx.recorder.trend('resync_time', info.resyncMs)
  }

  'reconnect-failed'(_c: VirtualClient, err: Error): void {
    if (this.closing) return
    const failure = this.lastServerError ?? (err instanceof ImhError ? err : new ImhError('IMH_ERR_CONNECT_FAILED', err.message))
    if (!this.lastServerError) this.ctx.recorder.error(failure.code)
    this.settle(failure)
  }
}

class LoadSession implements LoadClient {
  constructor(readonly client: VirtualClient, private readonly events: SessionEvents) {}

  get closed(): Promise<ImhError> {
    return this.events.closed
  }

  async close(): Promise<void> {
    this.events.closing = true
    await this.client.close().catch(() => undefined)
  }
}

/**
 * What each client index of a scenario learned from the scheduler (PROTOCOL.md §2.4): its last
 * answer, for the answer's ttl, and the last fallback list. A client that starts again after its
 * session ended is the same device as before and keeps them: within the ttl it asks nobody, and
 * past it a scheduler that answers slowly or not at all (a loaded or restarting server) leaves it
 * the learned fallback list instead of IMH_ERR_SCHEDULER_UNAVAILABLE. Per scenario context, so a
 * run's end frees them; a cache holds references to the shared, frozen answer (resolve.ts).
 */
const learned = new WeakMap<object, Map<number, ResolverCache>>()

/** The resolver cache of client `index` of the scenario behind `ctx`: made on its first start, kept for its next ones. */
export function resolverCacheFor(ctx: object, index: number): ResolverCache {
  let byIndex = learned.get(ctx)
  if (!byIndex) learned.set(ctx, (byIndex = new Map()))
  let cache = byIndex.get(index)
  if (!cache) byIndex.set(index, (cache = new ResolverCache()))
  return cache
}

export async function startLoadClient(ctx: LoadClientContext, index: number, o: {username: string; heartbeat: boolean | number; messages?: MessageSink; reconnect?: ReconnectPolicy}): Promise<LoadClient> {
  const scheduler = schedulerUrl(ctx)
  const dispatcher = ctx.addresses.dispatcherFor(index, scheduler)
  // The sink sees the messages of the SYNC right after AUTH too (what was stored while away).
  const events = new SessionEvents(ctx, o.messages)
  const client = new VirtualClient({
    resolve: {scheduler, clientId: o.username, dispatcher, cache: resolverCacheFor(ctx, index)},
    credentials: {username: o.username, password: LOAD_PASSWORD},
    register: true,
    heartbeat: o.heartbeat,
    requestTimeoutMs: ctx.options.requestTimeoutMs,
    localAddress: ctx.addresses.addressFor(index, scheduler),
    dispatcher,
    ca: ctx.tls.ca,
    rejectUnauthorized: ctx.tls.rejectUnauthorized,
    ...(ctx.transport ? {transport: ctx.transport} : {}),
    observer: events,
    ...(o.reconnect ? {reconnect: o.reconnect} : {}),
  })
  try {
    await client.start()
  } catch (err) {
    await client.close().catch(() => undefined)
    throw err
  }
  events.connected = true
  ctx.gauges.connected++
  return new LoadSession(client, events)
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
