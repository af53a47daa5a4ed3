import type WebSocket from 'ws'
import {openWebSocket} from '../../client/open-web-socket.js'
import {ImhError, isImhError} from '../../protocol/index.js'
import type {ConnectRequest} from './adapter.js'

/**
 * Opens the WebSocket of a json-ws client within `requestTimeoutMs`, from its local address and
 * with its TLS settings; `adopt` puts the session's listeners on it in the 'open' event. Rejects
 * with IMH_ERR_TIMEOUT when no answer came within the limit, else IMH_ERR_CONNECT_FAILED
 * (a user tells a dead port from a server too slow to answer).
 */
export async function openJsonWs(r: ConnectRequest<unknown>, adopt: (ws: WebSocket) => void): Promise<WebSocket> {
  const started = performance.now()
  const options: WebSocket.ClientOptions = {perMessageDeflate: false}
  if (r.localAddress) options.localAddress = r.localAddress
  if (r.tls.ca) options.ca = r.tls.ca
  if (r.tls.rejectUnauthorized !== undefined) options.rejectUnauthorized = r.tls.rejectUnauthorized
  try {
    return await openWebSocket(r.target, options, r.requestTimeoutMs, `json-ws ${r.target}`, (ws) => {
      adopt(ws)
      return ws
    })
  } catch (err) {
    // openWithin codes its time-out as a failure to connect too; a failure at the limit is it
    // (a few ms of slack: its timer and performance.now() round differently).
    if (performance.now() - started >= r.requestTimeoutMs - 5) throw new ImhError('IMH_ERR_TIMEOUT', `json-ws ${r.target}: no answer within ${r.requestTimeoutMs} ms`)
    if (isImhError(err)) throw err
    throw new ImhError('IMH_ERR_CONNECT_FAILED', `json-ws ${r.target}: ${(err as Error).message}`)
  }
}
