import type {VirtualUser} from '../executors/virtual-user.js'
import {trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {errorCode} from './context.js'
import {startSession, usernameFor} from './load-client.js'
import {defineScenario, option} from './scenario-module.js'

/**
 * Each iteration is a whole login of one user (PROTOCOL.md §2, §3.4, §5.1): scheduler look-up,
 * register (first time only), login on the short link, long link + AUTH, an optional hold, then
 * close. A VU is a slot that logs its own user in again and again, so two sessions of one user
 * never overlap.
 */
export const loginStorm = defineScenario({
  kind: 'login-storm',
  summary: 'each iteration logs a user in and opens and authenticates a long link (`login`, `connect`).',
  details: 'An iteration: scheduler look-up, register (the first time only), login on the short link, long link + AUTH, `hold`, close; `iteration_duration` times the whole, from its intended start. A VU logs its own user in again and again, so two sessions of one user never overlap.',
  needsScheduler: true,
  adapters: true,
  options: {
    holdMs: option({field: 'hold', check: durationField(), default: 0, doc: 'keep the long link open this long after AUTH'}),
  },
  metrics: [
    trend('iteration_duration', 'login-storm: one whole login (scheduler, login, long link + AUTH, hold, close), from its intended start'),
  ],
  rate: {doc: 'a VU logs in again as soon as its previous login ended, so there is no rate to set; use an arrival-rate executor'},
  create(ctx) {
    const hold = ctx.options.holdMs
    return {
      async create(index) {
        const username = usernameFor(ctx, index)
        const once = async (intendedMs: number): Promise<void> => {
          ctx.recorder.add('iterations')
          try {
            const lc = await startSession(ctx, index, {username, heartbeat: false})
            if (hold > 0) await ctx.clock.sleep(hold)
            await lc.close()
            ctx.recorder.trend('iteration_duration', ctx.clock.now() - intendedMs)
          } catch (err) {
            ctx.recorder.error(errorCode(err))
          }
        }
        const vu: VirtualUser = {
          async loop(signal) {
            while (!signal.aborted) await once(ctx.clock.now())
          },
          iterate: once,
          close: async () => {},
        }
        return vu
      },
    }
  },
})
