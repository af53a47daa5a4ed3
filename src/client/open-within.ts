import type {EventEmitter} from 'node:events'
import {ImhError} from '../protocol/index.js'

function ignore(): void {}

/**
 * Waits for `emitter`'s `ready` event within `timeoutMs`, for a connection being opened (a
 * WebSocket's 'open', a TCP socket's 'connect', a TLS one's 'secureConnect'). On an error or the
 * time-out it calls `destroy()` and rejects with IMH_ERR_CONNECT_FAILED (`${what}: reason`); later
 * errors of the dead socket are swallowed. `adopt` runs in the ready event itself, so its
 * listeners are on the socket before any data that came with it is emitted. The time limit is a
 * timer of our own, cleared once open: nothing of the opening (timer, listeners) stays on a
 * connection held for hours, a few hundred bytes per idle client when thousands are held.
 */
export function openWithin<T>(emitter: EventEmitter, ready: string, o: {timeoutMs: number; what: string; timedOut: string; destroy(): void}, adopt: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer)
      emitter.off('error', fail)
      emitter.off(ready, onReady)
      emitter.on('error', ignore)
      o.destroy()
      reject(new ImhError('IMH_ERR_CONNECT_FAILED', `${o.what}: ${err.message}`))
    }
    const onReady = (): void => {
      clearTimeout(timer)
      emitter.off('error', fail)
      resolve(adopt())
    }
    const timer = setTimeout(() => fail(new Error(`${o.timedOut} after ${o.timeoutMs} ms`)), o.timeoutMs)
    emitter.once('error', fail)
    emitter.once(ready, onReady)
  })
}
