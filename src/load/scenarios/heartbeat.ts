import {CMD, type ImhError} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {type ScenarioContext, errorCode} from './context.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

/** The VirtualClient heartbeat option for a scenario: the server's interval, or the profile's. */
export function heartbeatOption(ctx: ScenarioContext): boolean | number {
  const h = ctx.spec.options.heartbeatIntervalMs
  // Open models time heartbeats themselves (one per iteration).
  if (ctx.plan.kind === 'arrival' && ctx.spec.scenario === 'heartbeat') return false
  return h === undefined || h === 'server' ? true : h
}

/** Resolves when the signal aborts; throws the session's error when the server ends it first. */
export async function untilAbortOrClosed(signal: AbortSignal, closed: Promise<ImhError>): Promise<void> {
  if (signal.aborted) return
  const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), {once: true}))
  const outcome = await Promise.race([aborted, closed])
  if (outcome !== 'aborted') throw outcome
}

/**
 * Runs `body` (a VU's own paced loop) while the link lives: resolves when the signal aborts, throws
 * the session's error when the server ends it first, and in both cases waits for `body` to stop.
 * `alive()` tells `body` whether to go on.
 */
export async function whileLinked(signal: AbortSignal, closed: Promise<ImhError>, body: (alive: () => boolean) => Promise<void>): Promise<void> {
  let dead = false
  void closed.then(() => (dead = true))
  const running = body(() => !signal.aborted && !dead)
  try {
    await untilAbortOrClosed(signal, closed)
  } finally {
    await running
  }
}

/** Clients that hold an authenticated long link and heartbeat (flows.md §2 "long connection"). */
export function heartbeatFactory(ctx: ScenarioContext): VuFactory {
  return {
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
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
}
