import type {Dispatcher} from 'undici'
import {
  ImhError, QR_DEFAULT_HOLD_MS, QR_PATHS, type QrCheckReply, type QrCode, type QrNewReply, type QrSessionReply,
  type QrTicketReply, parseQrCheckReply, parseQrNewReply, parseQrSessionReply, parseQrTicketReply,
} from '../protocol/index.js'
import {type RawRequestInit, type RawResponse, envelopeBody, rawRequest} from './http-json.js'
import {groupUrl} from './group-url.js'
import {serverError} from './server-error.js'
import type {TraceSink} from './trace.js'

export interface QrClientOptions {
  dispatcher?: Dispatcher
  /** Time limit of each request except the long poll; default 10 s. */
  timeoutMs?: number
  trace?: TraceSink
}

export interface QrBrowserOptions extends QrClientOptions {
  /** The server's poll hold until a newLogin() answer announces it; default 25 s (PROTOCOL.md §10.3). */
  holdMs?: number
}

/** The page waits this much longer than the server holds a poll before it gives up (§10.6). */
export const QR_POLL_GRACE_MS = 10_000

/** Codes after which a uuid's poll answers never change again (§10.1). */
const FINAL_CODES: readonly number[] = [200, 202, 400]

/**
 * The object a JSONP body `callback({...});` carries, or undefined when the body is not a call of
 * `callback` with one JSON argument.
 */
export function parseJsonp(text: string, callback: string): unknown {
  const body = text.trim()
  if (!body.startsWith(`${callback}(`)) return undefined
  const inner = body.slice(callback.length + 1).replace(/\);?$/, '')
  if (inner.length === body.length - callback.length - 1) return undefined
  try {
    return JSON.parse(inner)
  } catch {
    return undefined
  }
}

/** The browser side of QR-code web login (PROTOCOL.md §10.2, §10.3, §10.5): what the login page does. */
export class QrBrowser {
  /** The poll hold the server announced last, or the configured one. */
  holdMs: number
  private readonly timeoutMs: number

  constructor(readonly baseUrl: string, private readonly options: QrBrowserOptions = {}) {
    this.holdMs = options.holdMs ?? QR_DEFAULT_HOLD_MS
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  async newLogin(): Promise<QrNewReply> {
    const reply = parseQrNewReply(envelopeBody(await this.raw('GET', QR_PATHS.new), `GET ${QR_PATHS.new}`))
    this.holdMs = reply.holdMs
    return reply
  }

  /** One long poll; the client gives up after the hold plus 10 s. */
  async poll(uuid: string, last: number, options: {callback?: string; signal?: AbortSignal} = {}): Promise<QrCheckReply> {
    const query = new URLSearchParams({uuid, last: String(last)})
    if (options.callback !== undefined) query.set('callback', options.callback)
    const what = `GET ${QR_PATHS.check}`
    const res = await this.raw('GET', `${QR_PATHS.check}?${query}`, {signal: options.signal}, this.holdMs + QR_POLL_GRACE_MS)
    // A refusal (a bad callback, a server fault) comes as the JSON envelope even under JSONP.
    const env = res.json as {ret?: unknown} | undefined
    if (typeof env === 'object' && env !== null && typeof env.ret === 'number' && env.ret !== 0) throw serverError(env, {status: res.status}, what)
    const body = options.callback === undefined ? res.json : parseJsonp(res.text, options.callback)
    if (body === undefined) {
      const form = options.callback === undefined ? 'JSON' : `a JSONP call of ${options.callback}`
      throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: answer is not ${form} (HTTP ${res.status})`, {status: res.status, body: res.text.slice(0, 200)})
    }
    if (res.status !== 200) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: a poll answers HTTP 200, got ${res.status}`, {status: res.status})
    return parseQrCheckReply(body)
  }

  /**
   * Polls until one of `wanted` comes: re-polls on 408 and on a scan on the way; a final code
   * (confirmed, cancelled, expired) not wanted, or no answer by `timeoutMs`, is an error.
   */
  async waitFor(uuid: string, wanted: readonly QrCode[], options: {last?: number; timeoutMs?: number; callback?: string} = {}): Promise<QrCheckReply> {
    const end = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY)
    let last = options.last ?? 0
    for (;;) {
      const reply = await this.poll(uuid, last, {callback: options.callback})
      if (wanted.includes(reply.code)) return reply
      if (FINAL_CODES.includes(reply.code)) {
        const code = reply.code === 400 ? 'IMH_ERR_QR_EXPIRED' : 'IMH_ERR_QR_STATE'
        throw new ImhError(code, `waiting for ${wanted.join(' or ')}, the poll of ${uuid} answered ${reply.code}`, {pollCode: reply.code})
      }
      if (performance.now() > end) throw new ImhError('IMH_ERR_TIMEOUT', `the poll of ${uuid} did not answer ${wanted.join(' or ')} within ${options.timeoutMs} ms`)
      // 408 counts as 0 (§10.3).
      last = reply.code === 408 ? 0 : reply.code
    }
  }

  /** Exchanges the ticket for a web session: `redirectUrl` is followed as given, a bare ticket is sent to this base. */
  async redeem(redirectUrlOrTicket: string): Promise<QrTicketReply> {
    const target = /^https?:\/\//i.test(redirectUrlOrTicket) ? redirectUrlOrTicket : `${QR_PATHS.login}?ticket=${encodeURIComponent(redirectUrlOrTicket)}`
    const res = await this.raw('GET', target)
    return parseQrTicketReply(envelopeBody(res, `GET ${QR_PATHS.login}`))
  }

  async session(webToken: string): Promise<QrSessionReply> {
    const res = await this.raw('GET', QR_PATHS.session, {headers: {authorization: `Bearer ${webToken}`}})
    return parseQrSessionReply(envelopeBody(res, `GET ${QR_PATHS.session}`))
  }

  /** The QR image of `uuid` (a PNG when the server keeps to §10.2). */
  async fetchImage(uuid: string): Promise<Buffer> {
    const path = `${QR_PATHS.image}${encodeURIComponent(uuid)}.png`
    const res = await this.raw('GET', path)
    if (res.status === 200) return res.bytes
    envelopeBody(res, `GET ${path}`)
    throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `GET ${path}: HTTP ${res.status} with ret 0`, {status: res.status})
  }

  /** One request as given, no envelope handling: what conformance cases need. `path` is under the base URL, or absolute. */
  raw(method: string, path: string, init: RawRequestInit = {}, timeoutMs = this.timeoutMs): Promise<RawResponse> {
    const url = /^https?:\/\//i.test(path) ? new URL(path) : groupUrl(this.baseUrl, path)
    return rawRequest(method, url, init, this.requestOptions(timeoutMs))
  }

  private requestOptions(timeoutMs: number) {
    return {dispatcher: this.options.dispatcher, timeoutMs, trace: this.options.trace}
  }
}
