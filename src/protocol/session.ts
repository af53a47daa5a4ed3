import {ImhError} from './errors.js'
import {checkShape, type Shape} from './shape.js'

/** Bodies of the long-link session (PROTOCOL.md §5.1) and of ERROR (§4.5). */

export interface AuthRequest { token: string }
export interface AuthReply { userId: string; serverTime: number; heartbeatIntervalMs: number; idleTimeoutMs: number }
export interface ErrorReply { ret: number; code: string; errMsg: string }

const SHAPES = {
  auth: {token: 'string'},
  authReply: {userId: 'string', serverTime: 'number', heartbeatIntervalMs: 'uint', idleTimeoutMs: 'uint'},
  error: {ret: 'int', code: 'string', errMsg: 'string'},
} as const satisfies Record<string, Shape>

/** Checked by the server (IMH_ERR_BAD_BODY). */
export function parseAuth(v: unknown): AuthRequest {
  const a = checkShape<AuthRequest>(v, SHAPES.auth, 'IMH_ERR_BAD_BODY', 'AUTH')
  if (a.token.length === 0) throw new ImhError('IMH_ERR_BAD_BODY', 'AUTH: field "token" must not be empty', {field: 'token'})
  return a
}

// Replies are checked by the client (IMH_ERR_PROTOCOL_VIOLATION).
export const parseAuthReply = (v: unknown): AuthReply => checkShape<AuthReply>(v, SHAPES.authReply, 'IMH_ERR_PROTOCOL_VIOLATION', 'AUTH reply')
export const parseErrorReply = (v: unknown): ErrorReply => checkShape<ErrorReply>(v, SHAPES.error, 'IMH_ERR_PROTOCOL_VIOLATION', 'ERROR')
