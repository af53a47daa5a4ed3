import type {Dispatcher} from 'undici'
import {undici} from '../common/undici.js'
import {ImhError} from '../protocol/index.js'
import {serverError} from './server-error.js'
import {previewBody, type TraceSink} from './trace.js'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The body as received, for answers that are not text (images). */
  bytes: Buffer
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown
}

export interface RawRequestInit {
  body?: string | Buffer
  headers?: Record<string, string>
  /** Gives up at once when aborted, rejecting with the signal's reason (not a coded error). */
  signal?: AbortSignal
}

export interface RawRequestOptions {
  dispatcher?: Dispatcher
  timeoutMs: number
  trace?: TraceSink
}

/** Tries of a GET or HEAD whose connection closes before any answer (see `retriable`). */
const IDEMPOTENT_ATTEMPTS = 3

/**
 * A server may close an idle keep-alive connection at any moment, and a request sent on it just
 * then meets a closed socket: after a large body the client's idle timer starts seconds after the
 * server's, so this is a race a correct server loses now and then. RFC 9112 §9.3.1 lets a client
 * retry an idempotent request in that case; a server that closes on every try still fails.
 */
export function retriable(method: string, err: unknown): boolean {
  const code = (err as {code?: unknown})?.code
  return (method === 'GET' || method === 'HEAD') && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')
}

/**
 * A signal that aborts after `ms`, and `clear` to stop its timer once the request is done.
 * AbortSignal.timeout would keep a Timeout and its closure for the whole `ms` after each request:
 * during a ramp of logins, thousands at once, each old enough to reach V8's old space.
 */
export function timeoutSignal(ms: number): {signal: AbortSignal; clear(): void} {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms)
  return {signal: controller.signal, clear: () => clearTimeout(timer)}
}

/** One HTTP request as given, no envelope handling: time-outs and refused connections become coded errors. */
export async function rawRequest(method: string, url: URL, init: RawRequestInit, options: RawRequestOptions): Promise<RawResponse> {
  const timer = timeoutSignal(options.timeoutMs)
  try {
    return await timedRequest(method, url, init, options, timer.signal)
  } finally {
    timer.clear()
  }
}

async function timedRequest(method: string, url: URL, init: RawRequestInit, options: RawRequestOptions, timeout: AbortSignal): Promise<RawResponse> {
  const what = `${method} ${url.pathname}${url.search}`
  const signal = init.signal ? AbortSignal.any([timeout, init.signal]) : timeout
  options.trace?.({t: 0, dir: 'send', note: what, body: init.body === undefined ? undefined : previewBody(Buffer.from(init.body))})
  let res: Dispatcher.ResponseData | undefined
  for (let attempt = 1; res === undefined; attempt++) {
    try {
      res = await undici().request(url, {method: method as Dispatcher.HttpMethod, body: init.body, headers: init.headers, signal, dispatcher: options.dispatcher})
    } catch (err) {
      if (init.signal?.aborted) throw init.signal.reason
      const timedOut = timeout.aborted
      options.trace?.({t: 0, dir: 'event', note: `${what}: ${timedOut ? 'time-out' : (err as Error).message}`})
      if (timedOut) throw new ImhError('IMH_ERR_TIMEOUT', `${what}: no answer within ${options.timeoutMs} ms`)
      if (attempt < IDEMPOTENT_ATTEMPTS && retriable(method, err)) {
        options.trace?.({t: 0, dir: 'event', note: `${what}: retried (the connection closed before any answer)`})
        continue
      }
      throw new ImhError('IMH_ERR_CONNECT_FAILED', `${what}: ${(err as Error).message}`)
    }
  }
  const bytes = Buffer.from(await res.body.arrayBuffer())
  const text = bytes.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  options.trace?.({t: 0, dir: 'recv', note: `${what}: HTTP ${res.statusCode}`, body: previewBody(bytes)})
  return {status: res.statusCode, headers: res.headers, text, bytes, json}
}

/**
 * The body of a `{ret: 0, …}` answer (PROTOCOL.md §3.2); a failure envelope becomes an ImhError
 * with the server's code, and anything else a protocol violation.
 */
export function envelopeBody(res: RawResponse, what: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  const env = res.json as {ret?: unknown} | undefined
  if (typeof env !== 'object' || env === null || Array.isArray(env) || typeof env.ret !== 'number') {
    throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: answer is not a {ret, …} envelope (HTTP ${res.status})`, {status: res.status, body: res.text.slice(0, 200)})
  }
  if (env.ret !== 0) throw serverError(env, {status: res.status, ...details}, what)
  return env as Record<string, unknown>
}
