import WebSocket from 'ws'
import {ImhError} from '../protocol/index.js'

/**
 * Opens a WebSocket within `timeoutMs`; rejects with IMH_ERR_CONNECT_FAILED (`${what}: reason`)
 * after terminating it. The time limit is a timer of our own, not ws's `handshakeTimeout`: that one
 * leaves a Timeout and its bound callback on the socket for the whole life of the connection, and
 * once open nothing of the handshake (timer, listeners) stays behind — a few hundred bytes per
 * idle client when thousands are held. `adopt` runs in the 'open' event itself, so its listeners
 * are on the socket before any frame that came with the upgrade answer is emitted.
 */
export function openWebSocket<T>(url: string | URL, options: WebSocket.ClientOptions, timeoutMs: number, what: string, adopt: (ws: WebSocket) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      ws.off('error', fail)
      ws.off('open', onOpen)
      ws.on('error', ignore)
      ws.terminate()
      reject(new ImhError('IMH_ERR_CONNECT_FAILED', `${what}: ${err.message}`))
    }
    const onOpen = (): void => {
      clearTimeout(timer)
      ws.off('error', fail)
      resolve(adopt(ws))
    }
    const timer = setTimeout(() => fail(new Error(`opening handshake has timed out after ${timeoutMs} ms`)), timeoutMs)
    ws.once('error', fail)
    ws.once('open', onOpen)
  })
}

function ignore(): void {}
