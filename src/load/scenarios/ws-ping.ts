import WebSocket from 'ws'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'
import {untilAbortOrClosed} from './heartbeat.js'

/**
 * Works against any WebSocket server: heartbeats are WebSocket ping/pong (RFC 6455 §5.5.2), which
 * every conforming server answers, so no knowledge of our protocol is needed.
 */
export function wsPingFactory(ctx: ScenarioContext): VuFactory {
  const url = ctx.spec.options.url ?? ctx.urls.ws
  if (!url) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.spec.name}: ws-ping needs a url (profile field url or --target ws://…)`)
  const interval = typeof ctx.spec.options.heartbeatIntervalMs === 'number' ? ctx.spec.options.heartbeatIntervalMs : 1000
  const timeout = ctx.spec.options.requestTimeoutMs ?? 10_000
  const payload = Buffer.alloc(ctx.spec.options.payloadSize ?? 16, 0x69)
  const {recorder, clock} = ctx

  return {
    async create(index) {
      const t0 = clock.now()
      const ws = new WebSocket(url, {perMessageDeflate: false, handshakeTimeout: timeout, localAddress: ctx.addresses.addressFor(index, url), ca: ctx.tls.ca, rejectUnauthorized: ctx.tls.rejectUnauthorized})
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', (err) => reject(new ImhError('IMH_ERR_CONNECT_FAILED', `${url}: ${err.message}`)))
      })
      recorder.trend('connect', clock.now() - t0)
      ctx.gauges.connected++
      let closing = false
      const pongs: Array<() => void> = []
      ws.on('pong', () => pongs.shift()?.())
      ws.on('error', () => {})
      const closed = new Promise<ImhError>((resolve) => ws.once('close', (code) => {
        ctx.gauges.connected--
        if (!closing) {
          recorder.error('IMH_ERR_CONNECTION_CLOSED')
          resolve(new ImhError('IMH_ERR_CONNECTION_CLOSED', `${url} closed the connection (${code})`))
        }
        for (const p of pongs.splice(0)) p()
      }))
      // Pongs come back in ping order (RFC 6455 gives no id), so a FIFO matches them.
      const ping = async (fromMs: number): Promise<void> => {
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new ImhError('IMH_ERR_TIMEOUT', `no pong within ${timeout} ms`)), timeout)
            pongs.push(() => { clearTimeout(timer); resolve() })
            ws.ping(payload)
          })
          recorder.trend('heartbeat_rtt', clock.now() - fromMs)
          recorder.add('iterations')
        } catch (err) {
          recorder.error(errorCode(err))
        }
      }
      const vu: VirtualUser = {
        async loop(signal) {
          const pinging = (async () => {
            await clock.sleep(ctx.random() * interval, signal).catch(() => undefined)
            while (!signal.aborted && ws.readyState === WebSocket.OPEN) {
              const start = clock.now()
              await ping(start)
              await clock.sleep(start + interval - clock.now(), signal).catch(() => undefined)
            }
          })()
          await untilAbortOrClosed(signal, closed)
          await pinging
        },
        iterate: (intendedMs) => ping(intendedMs),
        async close() {
          closing = true
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000)
          await Promise.race([new Promise((r) => ws.once('close', r)), clock.sleep(2000)])
          ws.terminate()
        },
      }
      return vu
    },
  }
}
