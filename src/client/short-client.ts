import {request, type Dispatcher} from 'undici'
import {
  type Credentials, type HeartbeatReply, ImhError, type LoginReply, type ProfileReply, type RegisterReply, SHORT_ROUTES,
  parseHeartbeatReply, parseLoginReply, parseProfileReply, parseRegisterReply,
} from '../protocol/index.js'
import {serverError} from './server-error.js'

export interface ShortClientOptions {
  dispatcher?: Dispatcher
  timeoutMs?: number
  token?: string
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown
}

/** The short link (PROTOCOL.md §3): HTTP request/response with the `{ret, …}` envelope. */
export class ShortClient {
  token: string | undefined
  private readonly timeoutMs: number

  constructor(readonly baseUrl: string, private readonly options: ShortClientOptions = {}) {
    this.token = options.token
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  register(c: Credentials): Promise<RegisterReply> {
    return this.call('register', c, parseRegisterReply)
  }

  async login(c: Credentials): Promise<LoginReply> {
    const reply = await this.call('login', c, parseLoginReply)
    this.token = reply.token
    return reply
  }

  profile(userId?: string): Promise<ProfileReply> {
    return this.call('profile', undefined, parseProfileReply, userId === undefined ? '' : `?userId=${encodeURIComponent(userId)}`)
  }

  heartbeat(): Promise<HeartbeatReply> {
    return this.call('heartbeat', {}, parseHeartbeatReply)
  }

  /** One request as given, no envelope handling: what conformance cases need. */
  async raw(method: string, path: string, init: {body?: string | Buffer; headers?: Record<string, string>} = {}): Promise<RawResponse> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    let res: Dispatcher.ResponseData
    try {
      res = await request(new URL(path, this.baseUrl), {method: method as Dispatcher.HttpMethod, body: init.body, headers: init.headers, signal, dispatcher: this.options.dispatcher})
    } catch (err) {
      if (signal.aborted) throw new ImhError('IMH_ERR_TIMEOUT', `${method} ${path}: no answer within ${this.timeoutMs} ms`)
      throw new ImhError('IMH_ERR_CONNECT_FAILED', `${method} ${path}: ${(err as Error).message}`)
    }
    const text = await res.body.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return {status: res.statusCode, headers: res.headers, text, json}
  }

  private async call<T>(route: keyof typeof SHORT_ROUTES, body: unknown, parse: (v: unknown) => T, query = ''): Promise<T> {
    const {method, path, auth} = SHORT_ROUTES[route]
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`
    const res = await this.raw(method, path + query, {body: body === undefined ? undefined : JSON.stringify(body), headers})
    const env = res.json as {ret?: unknown} | undefined
    if (typeof env !== 'object' || env === null || typeof env.ret !== 'number') {
      throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${method} ${path}: answer is not a {ret, …} envelope (HTTP ${res.status})`, {status: res.status, body: res.text.slice(0, 200)})
    }
    if (env.ret !== 0) throw serverError(env, {status: res.status, route})
    return parse(env)
  }
}
