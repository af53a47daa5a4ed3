import {ImhError} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {errorCode} from './context.js'
import {LONG_LINK_OPTIONS, reconnectOption, type LoadClientContext, type LoadSession, heartbeatOption, startSession, usernameFor} from './load-client.js'
import {untilAbortOrClosed} from './loops.js'
import {defineScenario} from './scenario-module.js'

/** A heartbeat client as a VU: methods of a class, so that thousands of them carry no closures. */
class HeartbeatUser implements VirtualUser {
  constructor(private readonly ctx: LoadClientContext, private readonly lc: LoadSession) {}

  loop(signal: AbortSignal): Promise<void> {
    return untilAbortOrClosed(signal, this.lc.closed)
  }

  async iterate(intendedMs: number): Promise<void> {
    const {ctx} = this
    try {
      await this.lc.session.heartbeat!()
      // Open model: measured from the intended time, so a late start counts (coordinated omission).
      ctx.recorder.trend('heartbeat_rtt', ctx.clock.now() - intendedMs)
    } catch (err) {
      ctx.recorder.error(errorCode(err))
    }
  }

  close(): Promise<void> {
    return this.lc.close()
  }
}

/** Clients that hold an authenticated long link and heartbeat (PROTOCOL.md §5.3). */
export const heartbeat = defineScenario({
  kind: 'heartbeat',
  summary: 'clients log in and only heartbeat; `heartbeat_rtt` times each round trip.',
  details: 'Open models (arrival-rate executors): the clients send no heartbeats of their own; each iteration is one heartbeat, timed from its intended start (an adapter must offer on-demand heartbeats for this). Under VU executors each client heartbeats at `heartbeatInterval` as its protocol does it (imh NOOP, XMPP ping, MQTT PINGREQ, …).',
  needsScheduler: true,
  adapters: true,
  options: LONG_LINK_OPTIONS,
  metrics: [],
  rate: {sets: 'heartbeatIntervalMs', as: 'interval', unit: 'heartbeats'},
  create(ctx) {
    // Open models time heartbeats themselves (one per iteration).
    const open = ctx.plan.kind === 'arrival'
    const heartbeat = open ? false : heartbeatOption(ctx.options.heartbeatIntervalMs)
    return {
      async create(index) {
        const lc = await startSession(ctx, index, {username: usernameFor(ctx, index), heartbeat, reconnect: reconnectOption(ctx.options)})
        if (open && !lc.session.heartbeat) {
          await lc.close()
          throw new ImhError('IMH_ERR_ADAPTER_UNSUPPORTED', `adapter ${ctx.adapter?.adapter.name} offers no on-demand heartbeat (session.heartbeat), which the heartbeat scenario needs under an arrival-rate executor; use constant-vus or ramping-vus`)
        }
        return new HeartbeatUser(ctx, lc)
      },
    }
  },
})
