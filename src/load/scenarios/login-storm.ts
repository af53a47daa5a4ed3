import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

/**
 * Each iteration is a whole login of one user (flows.md §2): scheduler look-up, register (first
 * time only), login on the short link, long link + AUTH, an optional hold, then close. A VU is a
 * slot that logs its own user in again and again, so two sessions of one user never overlap.
 */
export function loginStormFactory(ctx: ScenarioContext): VuFactory {
  const hold = ctx.spec.options.holdMs ?? 0
  return {
    async create(index) {
      const username = usernameFor(ctx, index)
      const once = async (intendedMs: number): Promise<void> => {
        ctx.recorder.add('iterations')
        try {
          const lc = await startLoadClient(ctx, index, {username, heartbeat: false})
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
}
