import {CMD} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {errorCode} from './context.js'
import {HEARTBEAT_INTERVAL, heartbeatOption, startLoadClient, usernameFor} from './load-client.js'
import {untilAbortOrClosed} from './loops.js'
import {defineScenario} from './scenario-module.js'

/** Clients that hold an authenticated long link and heartbeat (PROTOCOL.md §5.3). */
export const heartbeat = defineScenario({
  kind: 'heartbeat',
  summary: 'clients log in and only heartbeat; `heartbeat_rtt` times each round trip.',
  details: 'Open models (arrival-rate executors): the clients send no heartbeats of their own; each iteration is one heartbeat, timed from its intended start.',
  needsScheduler: true,
  options: {heartbeatIntervalMs: HEARTBEAT_INTERVAL},
  metrics: [],
  rate: {sets: 'heartbeatIntervalMs', as: 'interval', unit: 'heartbeats'},
  create(ctx) {
    // Open models time heartbeats themselves (one per iteration).
    const heartbeat = ctx.plan.kind === 'arrival' ? false : heartbeatOption(ctx.options.heartbeatIntervalMs)
    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat})
        const vu: VirtualUser = {
          loop: (signal) => untilAbortOrClosed(signal, lc.closed),
          async iterate(intendedMs) {
            try {
              await lc.client.link!.request(CMD.NOOP)
              // Open model: measured from the intended time, so a late start counts (coordinated omission).
              ctx.recorder.trend('heartbeat_rtt', ctx.clock.now() - intendedMs)
            } catch (err) {
              ctx.recorder.error(errorCode(err))
            }
          },
          close: () => lc.close(),
        }
        return vu
      },
    }
  },
})
