import {isImhError, type ErrorCode} from '../../protocol/index.js'
import type {ExecutorPlan} from '../executors/plan.js'
import type {MetricsRecorder} from '../metrics/registry.js'
import type {SourceAddresses} from '../source-addresses.js'
import type {Clock, ScenarioSpec} from '../types.js'
import type {Directory} from './directory.js'
import type {Ledger} from './ledger.js'

/** Where scenarios aim: the protocol's scheduler, a WebSocket URL, an HTTP URL. */
export interface LoadUrls {
  scheduler?: string
  ws?: string
  http?: string
}

/** Everything a scenario's virtual users share inside one worker. */
export interface ScenarioContext {
  spec: ScenarioSpec
  plan: ExecutorPlan
  runId: string
  urls: LoadUrls
  recorder: MetricsRecorder
  clock: Clock
  addresses: SourceAddresses
  ledger: Ledger
  directory: Directory
  /** Clients holding a session right now, over all scenarios of this worker. */
  gauges: {connected: number}
  tls: {ca?: string; rejectUnauthorized?: boolean}
  random: () => number
  /** Clock time the scenario started; set by the worker when it starts. */
  startedAt: number
}

const SOCKET_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])
const SOCKET_CONNECT = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EHOSTUNREACH', 'ENETUNREACH', 'EMFILE', 'ENFILE'])
const SOCKET_CLOSED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** The stable code a load run counts an error under. */
export function errorCode(err: unknown): ErrorCode {
  if (isImhError(err)) return err.code
  const code = (err as {code?: unknown} | undefined)?.code
  if (typeof code === 'string') {
    if (SOCKET_TIMEOUTS.has(code)) return 'IMH_ERR_TIMEOUT'
    if (SOCKET_CONNECT.has(code)) return 'IMH_ERR_CONNECT_FAILED'
    if (SOCKET_CLOSED.has(code)) return 'IMH_ERR_CONNECTION_CLOSED'
  }
  return 'IMH_ERR_UNEXPECTED'
}
