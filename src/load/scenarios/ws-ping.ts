import WebSocket from 'ws'
import {ImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {durationField} from '../profile/duration.js'
import {type Check, integer, invalid, urlOf} from '../profile/fields.js'
import {errorCode} from './context.js'
import {untilAbortOrClosed} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

const positiveDuration = durationField({positive: true})

// A plain WebSocket ping has no server-announced interval to follow.
const pingInterval: Check<number> = Object.assign(
  (value: unknown, field: string, file: string): number => {
    if (value === 'server') throw invalid(file, field, `'server' is only for chat and heartbeat, whose server announces an interval; expected ${positiveDuration.what}`)
    return positiveDuration(value, field, file)
  },
  {what: positiveDuration.what, format: positiveDuration.format},
)

/**
 * Works against any WebSocket server: heartbeats are WebSocket ping/pong (RFC 6455 §5.5.2), which
 * every conforming server answers, so no knowledge of our protocol is needed.
 */
export const wsPing = defineScenario({
  kind: 'ws-ping',
  summary: 'plain WebSocket ping/pong, no IM protocol; `heartbeat_rtt` times each pong.',
  details: 'Works against any WebSocket server: every conforming server answers a ping (RFC 6455 §5.5.2). Open models: each iteration is one ping, timed from its intended start.',
  needsScheduler: false,
  options: {
    url: option({field: 'url', check: urlOf(['ws:', 'wss:']), defaultDoc: "the target's long link", doc: 'the WebSocket server'}),
    heartbeatIntervalMs: option({field: 'heartbeatInterval', check: pingInterval, default: 1000, doc: 'time between pings (`server` is not allowed: there is no IM server to announce one)'}),
    payloadSize: option({field: 'payloadSize', check: integer(0, 125), default: 16, doc: 'ping payload bytes (125 is the WebSocket limit for control frames)'}),
  },
  metrics: [],
  rate: {sets: 'heartbeatIntervalMs', as: 'interval', unit: 'pings'},
  create(ctx) {
    const url = ctx.options.url ?? ctx.urls.ws
    if (!url) throw new ImhError('IMH_ERR_INVALID_OPTION', `scenario ${ctx.name}: ws-ping needs a url (profile field url or --target ws://…)`)
    const interval = ctx.options.heartbeatIntervalMs
    const timeout = ctx.options.requestTimeoutMs
    const payload = Buffer.alloc(ctx.options.payloadSize, 0x69)
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
        // Pongs come back in ping order (RFC 6455 gives no id), so a FIFO matches them: the loop's
        // pings as their start time (-1 once timed out: its late pong is skipped), `iterate`'s as
        // the function that settles it.
        const pending: Array<number | (() => void)> = []
        // The closed loop holds no promise, closure or timer per heartbeat: one start time in
        // flight and one timer re-armed for the next ping or the pong's deadline (a few hundred
        // bytes per idle connection instead of a chain of async frames).
        let inFlight = -1
        let timer: NodeJS.Timeout | undefined
        const arm = (ms: number): void => {
          if (timer) clearTimeout(timer)
          timer = setTimeout(tick, Math.max(0, ms))
        }
        const tick = (): void => {
          timer = undefined
          if (stopped || ws.readyState !== WebSocket.OPEN) return
          const now = clock.now()
          if (inFlight >= 0) {
            // No pong within the time limit: counted, and the next ping goes at its own time.
            const i = pending.indexOf(inFlight)
            if (i >= 0) pending[i] = -1
            recorder.error('IMH_ERR_TIMEOUT')
            const next = inFlight + interval
            inFlight = -1
            return arm(next - now)
          }
          inFlight = now
          pending.push(now)
          ws.ping(payload)
          arm(timeout)
        }
        let stopped = false
        ws.on('pong', () => {
          const entry = pending.shift()
          if (typeof entry === 'function') return entry()
          if (entry === undefined || entry < 0) return
          const now = clock.now()
          recorder.trend('heartbeat_rtt', now - entry)
          recorder.add('iterations')
          if (entry === inFlight) {
            inFlight = -1
            if (!stopped) arm(entry + interval - now)
          }
        })
        ws.on('error', () => {})
        const closed = new Promise<ImhError>((resolve) => ws.once('close', (code) => {
          ctx.gauges.connected--
          if (timer) clearTimeout(timer)
          if (!closing) {
            recorder.error('IMH_ERR_CONNECTION_CLOSED')
            resolve(new ImhError('IMH_ERR_CONNECTION_CLOSED', `${url} closed the connection (${code})`))
          }
          for (const p of pending.splice(0)) if (typeof p === 'function') p()
        }))
        // An open model's iteration: one ping, timed from its intended start.
        const ping = async (fromMs: number): Promise<void> => {
          try {
            await new Promise<void>((resolve, reject) => {
              const t = setTimeout(() => reject(new ImhError('IMH_ERR_TIMEOUT', `no pong within ${timeout} ms`)), timeout)
              pending.push(() => { clearTimeout(t); resolve() })
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
            stopped = false
            arm(ctx.random() * interval)
            try {
              await untilAbortOrClosed(signal, closed)
            } finally {
              stopped = true
              if (timer) clearTimeout(timer)
              timer = undefined
              inFlight = -1
            }
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
  },
})
