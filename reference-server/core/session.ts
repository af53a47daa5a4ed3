import type {IncomingMessage} from 'node:http'
import {ImhError, type UserProfile} from '../../src/protocol/index.js'
import type {Store, StoredUser} from '../store/store.js'

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

/** A user as other users see it; the avatar is the media group's (§16), '' without one. */
export function profileOf(user: StoredUser, mediaBase: string): UserProfile {
  return {userId: user.userId, username: user.username, nickname: user.nickname, avatarUrl: mediaBase ? `${mediaBase}/avatar/${user.userId}` : ''}
}
