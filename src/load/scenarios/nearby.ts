import {NearbyClient} from '../../client/nearby-client.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {integer, number} from '../profile/fields.js'
import {AVATAR_METRICS, createAvatarCache} from './avatars.js'
import {errorCode} from './context.js'
import {randomSpot, walk} from './crowd.js'
import {startLoadClient, usernameFor} from './load-client.js'
import {whileLinked} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

/**
 * Nearby people (PROTOCOL.md §12): each VU logs in, stands at a random spot within `spread` metres
 * of a fixed centre and reports it; then every `queryInterval` it walks a few metres, reports
 * again (LBS_REPORT) and asks for one page of people (NEARBY, `nearby_query`), and shows the
 * page's avatars through its avatar cache (media group GETs on misses).
 */
export const nearby = defineScenario({
  kind: 'nearby',
  summary: 'nearby people (PROTOCOL.md §12): clients in a crowd report their position and list the people around them, fetching the avatars they do not hold.',
  details: [
    'Each VU logs in (heartbeat on) and stands at a uniformly random spot within `spread` metres of a fixed centre (22.5431 N, 114.0579 E), shared by every VU of every worker, and reports it (LBS_REPORT). Then every `queryInterval` (the first one at a random phase) it walks up to 25 m, reports again, asks for the first page of people within `radius` (NEARBY, `pageSize` people) and shows the page\'s avatars through its avatar cache (LRU, 500 entries): misses are fetched from the media group.',
    '`nearby_query` is timed from NEARBY sent to its reply; under arrival-rate executors from the intended start. Refusals, timeouts and failed avatar GETs count as errors by code. Open models: each iteration is one walk, report, query and show.',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    spreadM: option({field: 'spread', check: number({min: 0}), default: 2000, doc: 'metres around the centre the VUs stand within'}),
    queryIntervalMs: option({field: 'queryInterval', check: durationField({positive: true}), default: 2000, doc: "time between two rounds of one VU; keep it below the server's `positionTtlMs` (90 s by default), or VUs drop out of each other's lists between reports"}),
    radiusM: option({field: 'radius', check: number({above: 0}), default: 1000, doc: 'NEARBY `radiusM` (servers cap it at 50000)'}),
    pageSize: option({field: 'pageSize', check: integer(1, 100), default: 20, doc: 'NEARBY `limit`'}),
  },
  metrics: [
    trend('nearby_query', 'nearby: NEARBY request sent → its reply (one page of people, nearest first)'),
    ...AVATAR_METRICS,
  ],
  rate: {doc: 'each VU queries every `queryInterval`; set that, or use an arrival-rate executor'},
  create(ctx) {
    const {recorder, clock, random} = ctx
    const o = ctx.options
    const spreadM = o.spreadM
    const intervalMs = o.queryIntervalMs
    const request = {radiusM: o.radiusM, limit: o.pageSize}
    const timeoutMs = o.requestTimeoutMs

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: true})
        const lbs = NearbyClient.of(lc.client)
        const avatars = createAvatarCache(ctx, undefined, index)
        let at = randomSpot(random, spreadM)
        try {
          await lbs.report(at, timeoutMs)
        } catch (err) {
          await lc.close()
          throw err
        }

        /** Walk, report, query one page, show its avatars; nearby_query from `fromMs`. */
        const round = async (fromMs?: number): Promise<void> => {
          try {
            at = walk(random, at, spreadM)
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
  },
})
