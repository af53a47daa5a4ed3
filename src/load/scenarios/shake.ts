import {NearbyClient} from '../../client/nearby-client.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {createAvatarCache} from './avatars.js'
import {type ScenarioContext, errorCode} from './context.js'
import {heartbeatOption, whileLinked} from './heartbeat.js'
import {randomSpot} from './nearby.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

/**
 * Shake (PROTOCOL.md §13, flows.md §3): each VU logs in and shakes at the scenario's start +
 * multiples of `shakeInterval`, late by a random 0 to `jitter`, from a random spot within `spread`
 * metres of the crowd's centre, so that many VUs shake in one window. `shake_match` is SHAKE sent
 * → its SHAKE_MATCH push (so it includes the wait for the window to close); `shake_alone` counts
 * matches that came back empty; the matches' avatars are shown through the VU's avatar cache.
 */
export function shakeFactory(ctx: ScenarioContext): VuFactory {
  const {recorder, clock} = ctx
  const o = ctx.spec.options
  const spreadM = o.spreadM ?? 5000
  const intervalMs = o.shakeIntervalMs ?? 5000
  const jitterMs = o.shakeJitterMs ?? 200
  const timeoutMs = o.requestTimeoutMs ?? 10_000

  return {
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
      const lbs = NearbyClient.of(lc.client)
      const avatars = createAvatarCache(ctx, undefined, index)

      /** One shake and its match; shake_match from `fromMs` (default: when SHAKE was sent). */
      const shakeOnce = async (fromMs?: number): Promise<void> => {
        try {
          const sent = clock.now()
          const {match} = await lbs.shake(randomSpot(ctx, spreadM), timeoutMs, timeoutMs)
          recorder.trend('shake_match', clock.now() - (fromMs ?? sent))
          if (match.matches.length === 0) recorder.add('shake_alone')
          // A failed avatar GET is counted by the cache under its code.
          await avatars.show(match.matches.map((m) => m.avatarUrl)).catch(() => undefined)
        } catch (err) {
          recorder.error(errorCode(err))
        }
      }

      const vu: VirtualUser = {
        loop: (signal) => whileLinked(signal, lc.closed, async (alive) => {
          while (alive()) {
            // The next slot on the shared grid of shake times, then this VU's own lateness.
            const since = clock.now() - ctx.startedAt
            const slot = ctx.startedAt + Math.ceil(since / intervalMs) * intervalMs
            await clock.sleep(slot - clock.now() + ctx.random() * jitterMs, signal).catch(() => undefined)
            if (!alive()) break
            await shakeOnce()
          }
        }),
        // Open model: measured from the intended start, so a late start counts (coordinated omission).
        iterate: (intendedMs) => shakeOnce(intendedMs),
        close: () => lc.close(),
      }
      return vu
    },
  }
}
