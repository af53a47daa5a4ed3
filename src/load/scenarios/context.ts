import type {Shard} from '../executors/share.js'
import type {LinkTransportKind} from '../../client/link-transport.js'
import {ImhError, isImhError, type ErrorCode} from '../../protocol/index.js'
import type {Clock} from '../clock.js'
import type {ExecutorPlan} from '../executors/plan.js'
import type {MetricsRecorder, Recorder} from '../metrics/registry.js'
import type {SourceAddresses} from '../source-addresses.js'
import type {Directory} from './directory.js'
import type {Tallies} from '../metrics/joined-counter.js'
import type {ResolvedAdapter} from '../adapters/adapter.js'

/** Where scenarios aim: the protocol's scheduler, a WebSocket URL, an HTTP URL. */
export interface LoadUrls {
  scheduler?: string
  ws?: string
  http?: string
  /**
   * `host:port` of the DNS server to ask for names the scheduler does not list (PROTOCOL.md §2.4;
   * the shop's, §17.1); absent: the system's resolver.
   */
  resolver?: string
  /** The run's `--target` as given: what an adapter other than ours connects to. */
  target?: string
}

/** What the worker gives every scenario alike, whatever its kind. */
export interface ScenarioEnv {
  plan: ExecutorPlan
  runId: string
  urls: LoadUrls
  recorder: MetricsRecorder
  clock: Clock
  addresses: SourceAddresses
  /** The worker's tallies of joined counters (`tallies.of(LEDGER_LOST)`), which the coordinator joins over every worker. */
  tallies: Tallies
  /** Scoped to the scenario: indexes count per scenario. */
  directory: Directory
  /** Clients holding a session right now, over all scenarios of this worker. */
  gauges: {connected: number}
  tls: {ca?: string; rejectUnauthorized?: boolean}
  /** The long link's transport (the profile's `options.transport`, or `--transport`); absent: the scheduler's order. */
  transport?: LinkTransportKind
  random: () => number
  /** Clock time the scenario started; set by the worker when it starts. */
  startedAt: number
  /** The client adapter of the scenarios that take one (chat, heartbeat, login-storm), loaded by the worker; absent: ours. */
  adapter?: ResolvedAdapter
  /** The offline shard this run is (`imh load --shard`); absent in a whole or distributed run. */
  shard?: Shard
}

/**
 * Everything a scenario's virtual users share inside one worker: the environment, the scenario's
 * name and its options (`O`, parsed and defaulted), and a recorder that takes only the trend
 * names `T` and counter names `C` the scenario may record.
 */
export interface ScenarioContext<O = unknown, T extends string = string, C extends string = string> extends Omit<ScenarioEnv, 'recorder'> {
  /** The scenario's key in the profile's `scenarios` map. */
  name: string
  options: O
  recorder: Recorder<T, C>
}

/** The scheduler URL a protocol scenario needs; throws IMH_ERR_INVALID_OPTION naming the scenario when there is none. */
export function schedulerUrl(ctx: Pick<ScenarioContext, 'name' | 'urls'>): string {
  const scheduler = ctx.urls.scheduler
  if (!scheduler) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.name} needs a scheduler URL (--target)`)
  return scheduler
}

const SOCKET_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])
const SOCKET_CONNECT = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EHOSTUNREACH', 'ENETUNREACH', 'EMFILE', 'ENFILE'])
// A certificate the client does not trust (or a TLS handshake with something that is not TLS)
// leaves the target unreachable, as a refused connection does.
const TLS_FAILED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER'])
const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** The stable code a load run counts an error under. */
export function errorCode(err: unknown): ErrorCode {
  if (isImhError(err)) return err.code
  const code = (err as {code?: unknown} | undefined)?.code
  if (typeof code === 'string') {
    if (SOCKET_TIMEOUTS.has(code)) return 'IMH_ERR_TIMEOUT'
    if (SOCKET_CONNECT.has(code) || TLS_FAILED.has(code)) return 'IMH_ERR_CONNECT_FAILED'
    if (SOCKET_CLOSED.has(code)) return 'IMH_ERR_CONNECTION_CLOSED'
  }
  return 'IMH_ERR_UNEXPECTED'
}

/**
 * The code a load run counts a failure under: errorCode's, except that a code another server sent
 * on the wire (`{code: 'IMH_ERR_…'}`, maybe one we do not know) is counted as it came.
 */
export function countedCode(err: unknown): string {
  const code = (err as {code?: unknown} | undefined)?.code
  if (!isImhError(err) && typeof code === 'string' && code.startsWith('IMH_ERR_')) return code
  return errorCode(err)
}

/**
 * A VU's request whose failure it carries on past: the result, or undefined once the error is
 * counted by its code (the error is the measurement).
 */
export async function attempt<T>(recorder: Pick<Recorder, 'error'>, request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request()
  } catch (err) {
    recorder.error(errorCode(err))
    return undefined
  }
}
