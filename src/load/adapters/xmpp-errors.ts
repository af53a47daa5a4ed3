import {type ErrorCode, ImhError, isImhError} from '../../protocol/index.js'
import {errorCode} from '../scenarios/context.js'

// RFC 6120 §6.5: SASL failures that mean "these credentials will not do" (not a server fault).
const SASL_REFUSED = new Set(['not-authorized', 'account-disabled', 'credentials-expired', 'invalid-authzid'])

/**
 * The coded error for what @xmpp/client failed with: its SASLError (`condition` of RFC 6120
 * §6.5), its TimeoutError (stream open, close, iq), its StreamError (RFC 6120 §4.9.3), or a
 * socket error with Node's string `code`. `fallback` is the code of anything else.
 */
export function xmppError(err: unknown, what: string, fallback: ErrorCode = 'IMH_ERR_UNEXPECTED'): ImhError {
  if (isImhError(err)) return err
  const e = err as {name?: unknown; condition?: unknown; message?: unknown} | undefined
  const message = `${what}: ${typeof e?.message === 'string' && e.message !== '' ? e.message : String(err)}`
  if (e?.name === 'SASLError') {
    return new ImhError(SASL_REFUSED.has(String(e.condition)) ? 'IMH_ERR_BAD_CREDENTIALS' : 'IMH_ERR_SERVER_ERROR', message, {condition: e.condition})
  }
  if (e?.name === 'TimeoutError') return new ImhError('IMH_ERR_TIMEOUT', message)
  if (e?.name === 'StreamError') {
    // A newer login with the same full JID replaced this one (RFC 6120 §4.9.3.3).
    return new ImhError(e.condition === 'conflict' ? 'IMH_ERR_KICKED' : 'IMH_ERR_CONNECTION_CLOSED', message, {condition: e.condition})
  }
  if (e?.name === 'StanzaError') return new ImhError('IMH_ERR_SERVER_ERROR', message, {condition: e.condition})
  const mapped = errorCode(err)
  return new ImhError(mapped === 'IMH_ERR_UNEXPECTED' ? fallback : mapped, message)
}

/** A connect failure: anything not otherwise coded means the target could not be reached. */
export function connectError(err: unknown, target: string): ImhError {
  const coded = xmppError(err, `XMPP connect to ${target}`, 'IMH_ERR_CONNECT_FAILED')
  // A stream error before the session is up (host-unknown: wrong domain option) refuses the connect.
  return coded.code === 'IMH_ERR_CONNECTION_CLOSED' ? new ImhError('IMH_ERR_CONNECT_FAILED', coded.message, coded.details) : coded
}
