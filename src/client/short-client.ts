import type {Dispatcher} from 'undici'
import {
  type Credentials, type HeartbeatReply, type LoginReply, type ProfileReply, type RegisterReply, SHORT_ROUTES,
  parseHeartbeatReply, parseLoginReply, parseProfileReply, parseRegisterReply,
} from '../protocol/index.js'
import {groupUrl} from './group-url.js'
import {type RawRequestInit, type RawResponse, envelopeBody, rawRequest} from './http-json.js'

export type {RawResponse} from './http-json.js'

export interface ShortClientOptions {
  dispatcher?: Dispatcher
  timeoutMs?: number
  token?: string
}

/** The short link (PROTOCOL.md §3): HTTP request/response with the `{ret, …}` envelope. */
export class ShortClient {
  token: string | undefined
  private readonly timeoutMs: number
  private readonly dispatcher: Dispatcher | undefined

  constructor(readonly baseUrl: string, options: ShortClientOptions = {}) {
    this.token = options.token
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.dispatcher = options.dispatcher
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

  /** One request as given, no envelope handling: what conformance cases need. `path` is a route path, appended to the base path (PROTOCOL.md §2.2). */
  raw(method: string, path: string, init: RawRequestInit = {}): Promise<RawResponse> {
    return rawRequest(method, groupUrl(this.baseUrl, path), init, {dispatcher: this.dispatcher, timeoutMs: this.timeoutMs})
  }

  /**
   * One route of any flow (SHORT_ROUTES): the body as JSON, the token when the route needs it, the
   * envelope checked and the reply parsed. What the roles of flows on the short link build on.
   */
  async call<T>(route: keyof typeof SHORT_ROUTES, body: unknown, parse: (v: unknown) => T, query = ''): Promise<T> {
    const {method, path, auth} = SHORT_ROUTES[route]
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`
    const res = await this.raw(method, path + query, {body: body === undefined ? undefined : JSON.stringify(body), headers})
    return parse(envelopeBody(res, `${method} ${path}`, {route}))
  }
}
