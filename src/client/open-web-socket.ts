import WebSocket from 'ws'
import {openWithin} from './open-within.js'

/**
 * Opens a WebSocket within `timeoutMs` ({@link openWithin}); `adopt` runs in the 'open' event, so
 * its listeners are on the socket before any frame that came with the upgrade answer is emitted.
 * The limit is not ws's `handshakeTimeout`: that one leaves a Timeout and its bound callback on
 * the socket for the whole life of the connection.
 */
export function openWebSocket<T>(url: string | URL, options: WebSocket.ClientOptions, timeoutMs: number, what: string, adopt: (ws: WebSocket) => T): Promise<T> {
  const ws = new WebSocket(url, options)
  return openWithin(ws, 'open', {timeoutMs, what, timedOut: 'opening handshake has timed out', destroy: () => ws.terminate()}, () => adopt(ws))
}
