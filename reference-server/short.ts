import type {IncomingMessage, Server} from 'node:http'
import {ImhError, SHORT_ROUTES, type UserProfile, parseCredentials} from '../src/protocol/index.js'
import type {ServerLimits} from './config.js'
import {type TlsOptions, createJsonServer, readJsonBody, sendJson} from './http-util.js'
import {type MomentsOptions, MomentsService} from './moments.js'
import {hashPassword, verifyPassword} from './passwords.js'
import type {MediaStore} from './store/media-store.js'
import {type MomentsStore, MemoryMomentsStore} from './store/moments-store.js'
import type {Store, StoredUser} from './store/store.js'

export interface ShortOptions {
  store: Store
  limits: ServerLimits
  tls?: TlsOptions
  /** Base URL of the media group for avatar URLs; empty when the server has none. */
  mediaBase?: () => string
  /** Uploads of the media group, which moments refer to by id (PROTOCOL.md §15, §16). */
  media?: MediaStore
  /** Friends and moments (PROTOCOL.md §15); default a fresh MemoryMomentsStore. */
  moments?: MomentsStore
  /** Builds the moments routes; default `new MomentsService(options)` (test doubles plant bugs here). */
  momentsService?: (options: MomentsOptions) => MomentsService
}

/** The token of an `Authorization: Bearer <token>` header, or IMH_ERR_SESSION_INVALID. */
export function bearerToken(req: IncomingMessage): string {
  const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))
  if (!match) throw new ImhError('IMH_ERR_SESSION_INVALID', 'missing "Authorization: Bearer <token>" header')
  return match[1]!
}

/** Resolves a bearer token to a user id, or throws the session error of PROTOCOL.md §3.2. */
export async function authenticate(store: Store, req: IncomingMessage): Promise<string> {
  const check = await store.checkToken(bearerToken(req))
  if (check.status === 'ok') return check.userId
  if (check.status === 'kicked') throw new ImhError('IMH_ERR_KICKED', 'this token was replaced by a newer login')
  throw new ImhError('IMH_ERR_SESSION_INVALID', 'token unknown or expired')
}

export function profileOf(user: StoredUser, mediaBase: string): UserProfile {
  return {userId: user.userId, username: user.username, nickname: user.nickname, avatarUrl: mediaBase ? `${mediaBase}/avatar/${user.userId}` : ''}
}

export function createShortServer(options: ShortOptions): Server {
  const {store, limits} = options
  const routes = new Map<string, (req: IncomingMessage, url: URL) => Promise<object>>([
    [SHORT_ROUTES.register.path, async (req) => {
      const c = parseCredentials(await readJsonBody(req, limits.shortMaxBodyBytes, true))
      const user = await store.createUser(c.username, await hashPassword(c.password))
      if (!user) throw new ImhError('IMH_ERR_USER_EXISTS', `username "${c.username}" is already registered`)
      return {userId: user.userId}
    }],
    [SHORT_ROUTES.login.path, async (req) => {
      const c = parseCredentials(await readJsonBody(req, limits.shortMaxBodyBytes, true))
      const user = await store.getUserByName(c.username)
      if (!user || !(await verifyPassword(c.password, user.passwordHash))) throw new ImhError('IMH_ERR_BAD_CREDENTIALS')
      return {userId: user.userId, token: await store.issueToken(user.userId)}
    }],
    [SHORT_ROUTES.profile.path, async (req, url) => {
      const self = await authenticate(store, req)
      const userId = url.searchParams.get('userId') ?? self
      const user = await store.getUser(userId)
      if (!user) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
      return {user: profileOf(user, options.mediaBase?.() ?? '')}
    }],
    [SHORT_ROUTES.heartbeat.path, async (req) => {
      await authenticate(store, req)
      await readJsonBody(req, limits.shortMaxBodyBytes)
      return {serverTime: Date.now(), nextIntervalMs: limits.heartbeatIntervalMs}
    }],
  ])
  const momentsOptions: MomentsOptions = {
    store, limits, media: options.media, moments: options.moments ?? new MemoryMomentsStore(), mediaBase: options.mediaBase ?? (() => ''),
    authenticate: (req) => authenticate(store, req), avatarUrl: (user) => profileOf(user, options.mediaBase?.() ?? '').avatarUrl,
  }
  for (const [path, handler] of (options.momentsService?.(momentsOptions) ?? new MomentsService(momentsOptions)).routes()) routes.set(path, handler)
  const methods = new Map<string, string>(Object.values(SHORT_ROUTES).map((r) => [r.path, r.method as string]))

  return createJsonServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://short')
    const route = routes.get(url.pathname)
    if (!route) throw new ImhError('IMH_ERR_NOT_FOUND', `no route ${url.pathname}`)
    const method = methods.get(url.pathname)!
    if (req.method !== method) throw new ImhError('IMH_ERR_METHOD_NOT_ALLOWED', `${req.method} ${url.pathname}: use ${method}`)
    sendJson(res, 200, {ret: 0, ...(await route(req, url))})
  }, options.tls)
}
