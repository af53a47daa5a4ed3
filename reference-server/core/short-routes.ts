import {ImhError, SHORT_ROUTES, checkShape, parseCredentials} from '../../src/protocol/index.js'
import {readJsonBody} from '../http/json-server.js'
import {type HttpRoute, jsonRoute} from '../http/route.js'
import type {Store} from '../store/store.js'
import type {CoreLimits} from './limits.js'
import {hashPassword, verifyPassword} from './passwords.js'
import {authenticate, profileOf} from './session.js'

export interface CoreShortOptions {
  store: Store
  limits: CoreLimits
  /** Base URL of the media group for avatar URLs; empty when the server has none. */
  mediaBase: () => string
}

/** Core's routes on the short link (PROTOCOL.md §3): register, login, profile, heartbeat. */
export function coreShortRoutes(o: CoreShortOptions): HttpRoute[] {
  const {store, limits} = o
  const R = SHORT_ROUTES
  return [
    jsonRoute(R.register, async (req) => {
      const c = parseCredentials(await readJsonBody(req, limits.shortMaxBodyBytes, true))
      const user = await store.createUser(c.username, await hashPassword(c.password, limits.passwordCost))
      if (!user) throw new ImhError('IMH_ERR_USER_EXISTS', `username "${c.username}" is already registered`)
      return {userId: user.userId}
    }),
    jsonRoute(R.login, async (req) => {
      const c = parseCredentials(await readJsonBody(req, limits.shortMaxBodyBytes, true))
      const user = await store.getUserByName(c.username)
      if (!user || !(await verifyPassword(c.password, user.passwordHash))) throw new ImhError('IMH_ERR_BAD_CREDENTIALS')
      return {userId: user.userId, token: await store.issueToken(user.userId)}
    }),
    jsonRoute(R.profile, async (req, url) => {
      const self = await authenticate(store, req)
      const userId = url.searchParams.get('userId') ?? self
      const user = await store.getUser(userId)
      if (!user) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
      return {user: profileOf(user, o.mediaBase())}
    }),
    jsonRoute(R.heartbeat, async (req) => {
      await authenticate(store, req)
      // §3.6: a body is optional, checked as any body (an object), and its fields are ignored.
      checkShape(await readJsonBody(req, limits.shortMaxBodyBytes), {}, 'IMH_ERR_BAD_REQUEST', 'heartbeat')
      return {serverTime: Date.now(), nextIntervalMs: limits.heartbeatIntervalMs}
    }),
  ]
}
