import type {IncomingMessage} from 'node:http'
import {type MomentsOptions, MomentsService} from '../../reference-server/moments/moments-service.js'
import type {StoredMoment} from '../../reference-server/moments/moments-store.js'

/**
 * Broken moments servers (PROTOCOL.md §15), each the reference MomentsService with one planted
 * bug, handed to the reference server through `services.moments`.
 */

/** Shows every moment to everyone: strangers see, like and comment (§15.4). */
export class OpenMomentsService extends MomentsService {
  protected override async canSee(): Promise<boolean> {
    return true
  }
}

/** Gives each timeline page oldest first (§15.3). */
export class UnsortedTimelineService extends MomentsService {
  protected override async timeline(self: string, params: URLSearchParams): Promise<object> {
    const page = (await super.timeline(self, params)) as {moments: unknown[]}
    return {...page, moments: [...page.moments].reverse()}
  }
}

/** Its cursor includes the last moment of the page before, so paging repeats one (§15.3). */
export class OverlappingPagesService extends MomentsService {
  protected override async timeline(self: string, params: URLSearchParams): Promise<object> {
    const cursor = params.get('cursor')
    const match = cursor ? /^t(\d+)$/.exec(cursor) : null
    if (match) {
      const shifted = new URLSearchParams(params)
      shifted.set('cursor', `t${Number(match[1]) + 1}`)
      return super.timeline(self, shifted)
    }
    return super.timeline(self, params)
  }
}

/** Stores likes and comments but never tells the author (§15.6). */
export class SilentNoticeService extends MomentsService {
  protected override async notice(): Promise<void> {}
}

/** Makes the adder a friend of the added user only, not the other way round (§15.1). */
export function oneSidedFriends(o: MomentsOptions): MomentsService {
  const one = new Map<string, Set<string>>()
  const moments = bind(o.moments)
  return new MomentsService({...o, moments: {
    ...moments,
    addFriend: async (a, b) => {
      let set = one.get(a)
      if (!set) one.set(a, (set = new Set()))
      const had = set.has(b)
      set.add(b)
      return !had
    },
    friendsOf: async (u) => [...(one.get(u) ?? [])],
    areFriends: async (a, b) => one.get(a)?.has(b) ?? false,
  }})
}

/** Accepts any mediaId on a post (§15.2). */
export class UncheckedMediaService extends MomentsService {
  protected override async checkMedia(): Promise<void> {}
}

/** Drops the media of every moment it shows (§15.2). */
export class MediaLessService extends MomentsService {
  protected override async view(self: string, m: StoredMoment) {
    return {...(await super.view(self, m)), media: []}
  }
}

/** Shows each image of a moment at a URL that serves nothing (§15.2). */
export class DeadMediaUrlService extends MomentsService {
  protected override async view(self: string, m: StoredMoment) {
    const v = await super.view(self, m)
    return {...v, media: v.media.map((x) => ({...x, url: x.url.replace('/media/', '/media/gone-')}))}
  }
}

/** Takes any body at face value: no field checks, self-friending allowed (§15.7). */
export class LenientService extends MomentsService {
  protected override async body(req: IncomingMessage): Promise<unknown> {
    const v = (await super.body(req)) as Record<string, unknown>
    return {...v, text: typeof v.text === 'string' && v.text !== '' ? v.text.slice(0, 10) : 'x', mediaIds: [], userId: String(v.userId ?? ''), momentId: String(v.momentId ?? 'x')}
  }
  protected override async addFriend(self: string, other: string): Promise<object> {
    return other === self ? {} : super.addFriend(self, other)
  }
}

function bind<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(o))) {
    const v = (o as Record<string, unknown>)[key]
    if (typeof v === 'function' && key !== 'constructor') out[key] = (v as (...a: unknown[]) => unknown).bind(o)
  }
  return out as T
}
