import {NearbyClient} from '../../client/nearby-client.js'
import {type LatLon, haversineM, offsetBy} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {createAvatarCache} from './avatars.js'
import {type ScenarioContext, errorCode} from './context.js'
import {heartbeatOption, whileLinked} from './heartbeat.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

/** Where the nearby and shake crowds stand (Shenzhen): one fixed centre, so VUs of every worker meet. */
export const CROWD_CENTRE: LatLon = {lat: 22.5431, lon: 114.0579}
/** How far a VU walks between two reports, at most (metres). */
const STEP_M = 25

/** A uniformly random point of the disc of `spreadM` metres around the centre. */
export function randomSpot(ctx: ScenarioContext, spreadM: number): LatLon {
  return offsetBy(CROWD_CENTRE, spreadM * Math.sqrt(ctx.random()), ctx.random() * 360)
}

/** A few metres on from `at`, back into the disc if the walk left it. */
function walk(ctx: ScenarioContext, at: LatLon, spreadM: number): LatLon {
  const next = offsetBy(at, ctx.random() * STEP_M, ctx.random() * 360)
  return haversineM(CROWD_CENTRE, next) <= spreadM ? next : randomSpot(ctx, spreadM)
}

/**
 * Nearby people (PROTOCOL.md §12, flows.md §3): each VU logs in, stands at a random spot within
 * `spread` metres of a fixed centre and reports it; then every `queryInterval` it walks a few
 * metres, reports again (LBS_REPORT) and asks for one page of people (NEARBY, `nearby_query`),
 * and shows the page's avatars through its avatar cache (media group GETs on misses).
 */
export function nearbyFactory(ctx: ScenarioContext): VuFactory {
  const {recorder, clock} = ctx
  const o = ctx.spec.options
  const spreadM = o.spreadM ?? 2000
  const intervalMs = o.queryIntervalMs ?? 2000
  const request = {radiusM: o.radiusM ?? 1000, limit: o.pageSize ?? 20}
  const timeoutMs = o.requestTimeoutMs ?? 10_000

  return {
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
      const lbs = NearbyClient.of(lc.client)
      const avatars = createAvatarCache(ctx, undefined, index)
      let at = randomSpot(ctx, spreadM)
      try {
        await lbs.report(at, timeoutMs)
      } catch (err) {
        await lc.close()
        throw err
      }

      /** Walk, report, query one page, show its avatars; nearby_query from `fromMs`. */
      const round = async (fromMs?: number): Promise<void> => {
        try {
          at = walk(ctx, at, spreadM)
          await lbs.report(at, timeoutMs)
          const sent = clock.now()
          const page = await lbs.nearby(request, timeoutMs)
          recorder.trend('nearby_query', clock.now() - (fromMs ?? sent))
          // A failed avatar GET is counted by the cache under its code; the round goes on.
          await avatars.show(page.people.map((p) => p.avatarUrl)).catch(() => undefined)
        } catch (err) {
          recorder.error(errorCode(err))
        }
      }

      const vu: VirtualUser = {
        loop: (signal) => whileLinked(signal, lc.closed, async (alive) => {
          // Spread the first queries over one interval so VUs do not ask in lockstep.
          await clock.sleep(ctx.random() * intervalMs, signal).catch(() => undefined)
          while (alive()) {
            const next = clock.now() + intervalMs
            await round()
            await clock.sleep(Math.max(0, next - clock.now()), signal).catch(() => undefined)
          }
        }),
        // Open model: measured from the intended start, so a late start counts (coordinated omission).
        iterate: (intendedMs) => round(intendedMs),
        close: () => lc.close(),
      }
      return vu
    },
  }
}
