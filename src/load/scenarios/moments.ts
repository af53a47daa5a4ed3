import {MediaClient} from '../../client/media-client.js'
import {MomentsClient} from '../../client/moments-client.js'
import type {MomentView} from '../../protocol/index.js'
import type {VirtualUser, VuFactory} from '../executors/virtual-user.js'
import {createAvatarCache} from './avatars.js'
import {type ScenarioContext, errorCode} from './context.js'
import {heartbeatOption, untilAbortOrClosed} from './heartbeat.js'
import {startLoadClient, usernameFor} from './protocol-client.js'

export const MOMENTS_DEFAULTS = {friends: 4, postIntervalMs: 5000, timelineIntervalMs: 2000, likeRatio: 0.3, imageSize: 4096}

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

/**
 * Friends posting moments (PROTOCOL.md §15): each VU befriends its ring neighbours, uploads an
 * image when the target has a media group, posts every postInterval, pages its timeline every
 * timelineInterval (showing the authors' avatars through its avatar cache), likes or comments a
 * share of its friends' moments, and counts the notices it pulls.
 */
export function momentsFactory(ctx: ScenarioContext): VuFactory {
  const {recorder, clock} = ctx
  const o = ctx.spec.options
  const friends = o.friends ?? MOMENTS_DEFAULTS.friends
  const postInterval = o.postIntervalMs ?? MOMENTS_DEFAULTS.postIntervalMs
  const timelineInterval = o.timelineIntervalMs ?? MOMENTS_DEFAULTS.timelineIntervalMs
  const likeRatio = o.likeRatio ?? MOMENTS_DEFAULTS.likeRatio
  const imageSize = o.imageSize ?? MOMENTS_DEFAULTS.imageSize
  const ringSize = ctx.plan.maxVUs

  const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn()
    } catch (err) {
      recorder.error(errorCode(err))
      return undefined
    }
  }

  return {
    async create(index) {
      const lc = await startLoadClient(ctx, index, {username: usernameFor(ctx, index), heartbeat: heartbeatOption(ctx)})
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
}
