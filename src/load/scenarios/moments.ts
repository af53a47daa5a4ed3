import {MediaClient} from '../../client/media-client.js'
import {MomentsClient} from '../../client/moments-client.js'
import {keepNewest} from '../../common/keep-newest.js'
import type {MomentView} from '../../protocol/index.js'
import type {VirtualUser} from '../executors/virtual-user.js'
import {counter, trend} from '../metrics/metric-definition.js'
import {durationField} from '../profile/duration.js'
import {integer, ratio} from '../profile/fields.js'
import {AVATAR_METRICS, createAvatarCache} from './avatars.js'
import {attempt as attemptRequest} from './context.js'
import {LONG_LINK_OPTIONS, reconnectOption, heartbeatOption, startLoadClient, usernameFor} from './load-client.js'
import {untilAbortOrClosed} from './loops.js'
import {defineScenario, option} from './scenario-module.js'

/** Indices VU `index` adds as friends on a ring of `size`: the next ⌈friends/2⌉, so each ends with about `friends`. */
export function ringFriends(index: number, size: number, friends: number): number[] {
  const out: number[] = []
  for (let k = 1; k <= Math.ceil(friends / 2) && k < size; k++) out.push((index + k) % size)
  return out
}

/** Image bytes of `size`: the PNG signature, then filler (the media group keeps what it is given). */
export function imageBytes(size: number): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return size <= sig.length ? sig.subarray(0, Math.max(1, size)) : Buffer.concat([sig, Buffer.alloc(size - sig.length, 0x2a)])
}

/** Moments a VU remembers reacting to: far more than a few pages of scrolling show. */
const ACTED_WINDOW = 512

/**
 * Friends posting moments (PROTOCOL.md §15): each VU befriends its ring neighbours, uploads an
 * image when the target has a media group, posts every postInterval, pages its timeline every
 * timelineInterval (showing the authors' avatars through its avatar cache), likes or comments a
 * share of its friends' moments, and counts the notices it pulls.
 */
export const moments = defineScenario({
  kind: 'moments',
  summary: 'friends and moments (PROTOCOL.md §15): clients befriend their ring neighbours, post moments with an image, page their timeline, like and comment.',
  details: [
    'Each VU logs in (heartbeat on), publishes its user id (learnt across workers like `chat`) and adds as friends the next ⌈`friends`/2⌉ VUs on a ring of all VUs (friendship is mutual, so each ends with about `friends`; neighbours not yet logged in are added on a later turn). When the target has a media group and `imageSize` > 0 it uploads one PNG of that size and attaches it to every post. Then, each from its own random phase, it posts a moment every `postInterval` and reads a page of 10 of its timeline every `timelineInterval` (half the time the next page, else the first), showing the authors\' avatars through its avatar cache (a miss GETs the avatar from the media group); on each friend\'s moment it sees for the first time it likes (share `likeRatio`/2) or comments (share `likeRatio`/2). Authors pull the notices over the long link (SYNC category `moments`).',
    'Refusals and timeouts count as errors by code. Open models: each iteration posts once and reads one page.',
  ].join('\n\n'),
  needsScheduler: true,
  options: {
    friends: option({field: 'friends', check: integer(0, 100), default: 4, doc: 'ring neighbours each VU is friends with'}),
    postIntervalMs: option({field: 'postInterval', check: durationField({positive: true}), default: 5000, doc: "time between a VU's posts"}),
    timelineIntervalMs: option({field: 'timelineInterval', check: durationField({positive: true}), default: 2000, doc: "time between a VU's timeline pages"}),
    likeRatio: option({field: 'likeRatio', check: ratio, default: 0.3, doc: "share of friends' moments a VU reacts to (half likes, half comments)"}),
    imageSize: option({field: 'imageSize', check: integer(0, 2 * 1024 * 1024), default: 4096, doc: 'bytes of the image uploaded once and attached to each post; `0` = text only'}),
    ...LONG_LINK_OPTIONS,
  },
  metrics: [
    trend('moment_post', 'moments: the short-link post request → its answer (the moment id)'),
    trend('timeline_page', "moments: one page of the friends' timeline, request → answer"),
    counter('moment_notices', 'moments: like and comment notices the authors pulled over the long link'),
    ...AVATAR_METRICS,
  ],
  rate: {doc: 'each VU posts every `postInterval` and reads every `timelineInterval`; set those, or use an arrival-rate executor'},
  create(ctx) {
    const {recorder, clock} = ctx
    const o = ctx.options
    const {friends, postIntervalMs: postInterval, timelineIntervalMs: timelineInterval, likeRatio, imageSize} = o
    const ringSize = ctx.plan.maxVUs

    const attempt = <T>(request: () => Promise<T>): Promise<T | undefined> => attemptRequest(recorder, request)

    return {
      async create(index) {
        const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx.options.heartbeatIntervalMs), reconnect: reconnectOption(ctx.options)})
        const client = lc.client
        client.on('notice', () => recorder.add('moment_notices'))
        ctx.directory.publish(index, client.userId!)
        const m = new MomentsClient(client.short!)
        const avatars = createAvatarCache(ctx, undefined, index)
        const pendingFriends = new Set(ringFriends(index, ringSize, friends))
        const acted = new Set<string>()
        let mediaIds: string[] = []
        const mediaBase = client.resolved?.groups.media[0]
        if (mediaBase && imageSize > 0) {
          const media = new MediaClient({base: mediaBase, dispatcher: ctx.addresses.dispatcherFor(index, mediaBase), timeoutMs: o.requestTimeoutMs})
          const up = await attempt(() => media.upload(client.short!.token!, 'image/png', imageBytes(imageSize)))
          if (up) mediaIds = [up.mediaId]
          recorder.add('data_sent', imageSize)
        }
        let cursor: string | undefined
        let posts = 0

        // Neighbours log in at their own pace: add those whose ids are known by now.
        const befriend = async (): Promise<void> => {
          for (const peer of pendingFriends) {
            const id = ctx.directory.lookup(peer)
            if (id === undefined || id === client.userId) continue
            pendingFriends.delete(peer)
            await attempt(() => m.addFriend(id))
          }
        }
        const post = async (): Promise<void> => {
          const t0 = clock.now()
          const r = await attempt(() => m.post(`moment ${index}.${posts++}`, mediaIds))
          if (r) recorder.trend('moment_post', clock.now() - t0)
        }
        const react = async (moment: MomentView): Promise<void> => {
          if (moment.author.userId === client.userId || acted.has(moment.momentId)) return
          acted.add(moment.momentId)
          // Scrolling rarely goes this deep; one seen again later may get a second reaction (liking
          // again changes nothing, a comment is one more), which keeps a long run's memory flat.
          keepNewest(acted, ACTED_WINDOW)
          const roll = ctx.random()
          if (roll >= likeRatio) return
          if (roll < likeRatio / 2) await attempt(() => m.comment(moment.momentId, `nice ${index}`))
          else await attempt(() => m.like(moment.momentId))
        }
        const page = async (): Promise<void> => {
          const t0 = clock.now()
          const r = await attempt(() => m.timeline(cursor, 10))
          if (!r) return
          recorder.trend('timeline_page', clock.now() - t0)
          // Scroll down a few pages, then back to the top.
          cursor = r.next !== undefined && ctx.random() < 0.5 ? r.next : undefined
          await avatars.show([...new Set(r.moments.map((x) => x.author.avatarUrl))]).catch(() => undefined)
          for (const moment of r.moments) await react(moment)
        }

        const vu: VirtualUser = {
          async loop(signal) {
            let nextPost = clock.now() + ctx.random() * postInterval
            let nextPage = clock.now() + ctx.random() * timelineInterval
            const acting = (async () => {
              while (!signal.aborted) {
                await clock.sleep(Math.min(nextPost, nextPage) - clock.now(), signal).catch(() => undefined)
                if (signal.aborted) break
                if (pendingFriends.size) await befriend()
                if (clock.now() >= nextPost) {
                  await post()
                  nextPost = Math.max(nextPost + postInterval, clock.now())
                }
                if (clock.now() >= nextPage) {
                  await page()
                  nextPage = Math.max(nextPage + timelineInterval, clock.now())
                }
              }
            })()
            await untilAbortOrClosed(signal, lc.closed)
            await acting
          },
          async iterate() {
            if (pendingFriends.size) await befriend()
            await post()
            await page()
          },
          close: () => lc.close(),
        }
        return vu
      },
    }
  },
})
