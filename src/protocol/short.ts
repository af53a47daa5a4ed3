import {ImhError} from './errors.js'
import type {ShortRouteSpec} from './flow-contract.js'
import {checkShape} from './shape.js'

/** Core's short-link routes (PROTOCOL.md §3); SHORT_ROUTES (short-routes.ts) adds the other flows'. All take and give JSON. */
export const CORE_SHORT_ROUTES = {
  register: {method: 'POST', path: '/register', auth: false},
  login: {method: 'POST', path: '/login', auth: false},
  profile: {method: 'GET', path: '/profile', auth: true},
  heartbeat: {method: 'POST', path: '/heartbeat', auth: true},
} as const satisfies Record<string, ShortRouteSpec>
export const DEFAULT_SHORT_MAX_BODY_BYTES = 64 * 1024

export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/
export const MAX_PASSWORD_LENGTH = 128

export interface Credentials { username: string; password: string }
export interface RegisterReply { ret: 0; userId: string }
export interface LoginReply { ret: 0; userId: string; token: string }
export interface UserProfile { userId: string; username: string; nickname: string; avatarUrl: string }
export interface ProfileReply { ret: 0; user: UserProfile }
export interface HeartbeatReply { ret: 0; serverTime: number; nextIntervalMs: number }

/** The failure envelope: `ret` from the error table, `code` the stable name. */
export interface ShortErrorReply { ret: number; code: string; errMsg: string }

/** HTTP status for a `ret`: 200 for 0, 401 for the session family 11xx, else ret itself. */
export function httpStatusForRet(ret: number): number {
  if (ret === 0) return 200
  if (ret >= 1100 && ret < 1200) return 401
  return ret >= 400 && ret < 600 ? ret : 500
}

export function parseCredentials(v: unknown): Credentials {
  const c = checkShape<Credentials>(v, {username: 'string', password: 'string'}, 'IMH_ERR_BAD_REQUEST', 'credentials')
  if (!USERNAME_PATTERN.test(c.username)) {
    throw new ImhError('IMH_ERR_BAD_REQUEST', 'field "username" must be 1 to 64 characters of A-Z a-z 0-9 _ . -', {field: 'username'})
  }
  if (c.password.length === 0 || c.password.length > MAX_PASSWORD_LENGTH) {
    throw new ImhError('IMH_ERR_BAD_REQUEST', `field "password" must be 1 to ${MAX_PASSWORD_LENGTH} characters`, {field: 'password'})
  }
  return c
}

const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'
export const parseRegisterReply = (v: unknown) => checkShape<RegisterReply>(v, {ret: 'int', userId: 'string'}, OFF, 'register reply')
export const parseLoginReply = (v: unknown) => checkShape<LoginReply>(v, {ret: 'int', userId: 'string', token: 'string'}, OFF, 'login reply')
export const parseHeartbeatReply = (v: unknown) => checkShape<HeartbeatReply>(v, {ret: 'int', serverTime: 'number', nextIntervalMs: 'uint'}, OFF, 'heartbeat reply')
export function parseProfileReply(v: unknown): ProfileReply {
  const r = checkShape<ProfileReply>(v, {ret: 'int', user: 'object'}, OFF, 'profile reply')
  checkShape(r.user, {userId: 'string', username: 'string', nickname: 'string', avatarUrl: 'string'}, OFF, 'profile reply user')
  return r
}
