import {ImhError} from '../../protocol/index.js'
import {errorCode} from '../scenarios/context.js'

// CONNACK codes that mean the broker refused the credentials: 3.1.1 return codes 4 (bad user name
// or password) and 5 (not authorized) (§3.2.2.3); 5.0 reason codes 0x86 and 0x87 (§3.2.2.2).
const REFUSED_CREDENTIALS = new Set([4, 5, 0x86, 0x87])

/**
 * The coded error for a connect that failed with mqtt.js's `err`: a CONNACK refusal carries its
 * return/reason code as a number `code`; socket errors carry Node's string codes.
 */
export function connectError(err: unknown, target: string): ImhError {
  const code = (err as {code?: unknown} | undefined)?.code
  const message = `MQTT connect to ${target}: ${(err as Error | undefined)?.message ?? String(err)}`
  if (typeof code === 'number') {
    return new ImhError(REFUSED_CREDENTIALS.has(code) ? 'IMH_ERR_BAD_CREDENTIALS' : 'IMH_ERR_CONNECT_FAILED', message, {connack: code})
  }
  return new ImhError(errorCode(err) === 'IMH_ERR_TIMEOUT' ? 'IMH_ERR_TIMEOUT' : 'IMH_ERR_CONNECT_FAILED', message)
}

/**
 * The coded error for a publish mqtt.js failed: no connection or connection closed, or the broker
 * refused it with an MQTT 5.0 reason code ≥ 0x80 in PUBACK/PUBREC (e.g. 0x97 quota exceeded,
 * which Mosquitto 2.0 answers when a subscriber's QoS 2 in-flight window is full).
 */
export function sendError(err: unknown, topic: string): ImhError {
  const code = (err as {code?: unknown} | undefined)?.code
  const message = `MQTT publish to ${topic}: ${(err as Error | undefined)?.message ?? String(err)}`
  // mqtt.js fails a publish with plain Errors ('Connection closed', 'No connection to broker',
  // 'client disconnecting') when the connection is gone; a number is a 5.0 reason code.
  if (typeof code === 'number') return new ImhError('IMH_ERR_SERVER_ERROR', message, {reasonCode: code})
  const mapped = errorCode(err)
  return new ImhError(mapped === 'IMH_ERR_UNEXPECTED' ? 'IMH_ERR_CONNECTION_CLOSED' : mapped, message)
}
