import {ImhError, isErrorCode} from '../protocol/index.js'

/**
 * Turns a server's `{ret, code, errMsg}` into an ImhError with the same code, when it is one of
 * ours; `what` (the request) prefixes the message.
 */
export function serverError(body: {ret?: unknown; code?: unknown; errMsg?: unknown}, extra: Record<string, unknown> = {}, what?: string): ImhError {
  const text = typeof body.errMsg === 'string' ? body.errMsg : `server error ret ${String(body.ret)}`
  const message = what === undefined ? text : `${what}: ${text}`
  const details = {ret: body.ret, serverCode: body.code, ...extra}
  return isErrorCode(body.code) ? new ImhError(body.code, message, details) : new ImhError('IMH_ERR_SERVER_ERROR', message, details)
}
