import {NearbyClient} from '../../client/nearby-client.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {number} from '../profile/fields.js'
import {AVATAR_METRICS, createAvatarCache} from './avatars.js'
import {errorCode} from './context.js'
import {randomSpot} from './crowd.js'
import {startLoadClient, usernameFor} from './load-client.js'
import {whileLinked} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

/**
 * Shake (PROTOCOL.md §13): each VU logs in and shakes at the scenario's start + multiples of
 * `shakeInterval`, late by a random 0 to `jitter`, from a random spot within `spread` metres of the
 * crowd's centre, so that many VUs shake in one window. `shake_match` is SHAKE sent → its
 * SHAKE_MATCH push (so it includes the wait for the window to close); `shake_alone` counts matches
 * that came back empty; the matches' avatars are shown through the VU's avatar cache.
 */
export const shake = defineScenario({
  kind: 'shake',
  summary: 'shake (PROTOCOL.md §13): clients shake together and wait for their match.',
  details: [
    'Each VU logs in (heartbeat on) and shakes at the scenario\'s start + multiples of `shakeInterval`, late by a random 0 to `jitter`, from a random spot within `spread` metres of the same centre as `nearby`, so that the VUs of a round land in one window of the server\'s `shakeWindowMs`. It waits for its SHAKE_MATCH push, then shows the matches\' avatars through its avatar cache. A round that is still waiting when the next slot comes skips that slot.',
    '`shake_match` is SHAKE sent → its SHAKE_MATCH, so about one window long. Open models: each iteration is one shake, timed from its intended start.',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    spreadM: option({field: 'spread', check: number({min: 0}), default: 5000, doc: 'metres around the centre the shakers stand within'}),
    shakeIntervalMs: option({field: 'shakeInterval', check: durationField({positive: true}), default: 5000, doc: "the grid of shake times; keep it above the server's `shakeWindowMs`"}),
    shakeJitterMs: option({field: 'jitter', check: durationField(), default: 200, doc: 'how late each shake is at most, at random'}),
  },
  metrics: [
    trend('shake_match', 'shake: SHAKE sent → the SHAKE_MATCH push (includes the wait for the window to close)'),
    counter('shake_alone', 'shake: shakes whose window closed with nobody else in it'),
    ...AVATAR_METRICS,
  ],
  rate: {doc: 'the VUs shake together on the grid of `shakeInterval`; set that, or use an arrival-rate executor'},
  create(ctx) {
    const {recorder, clock} = ctx
    const {spreadM, shakeIntervalMs: intervalMs, shakeJitterMs: jitterMs, requestTimeoutMs: timeoutMs} = ctx.options

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: true})
        const lbs = NearbyClient.of(lc.client)
        const avatars = createAvatarCache(ctx, undefined, index)

        /** One shake and its match; shake_match from `fromMs` (default: when SHAKE was sent). */
        const shakeOnce = async (fromMs?: number): Promise<void> => {
          try {
            const sent = clock.now()
            const {match} = await lbs.shake(randomSpot(ctx.random, spreadM), timeoutMs, timeoutMs)
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
  },
})
