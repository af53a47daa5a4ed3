import type {IncomingMessage} from 'node:http'
import {
  type AnnouncedLimits, type FriendView, ImhError, type MomentView, SHORT_ROUTES, parseFriendAdd, parseMomentComment, parseMomentPost, parseMomentRef,
  parseTimelineQuery,
} from '../../src/protocol/index.js'
import {readJsonBody} from '../http/json-server.js'
import {type HttpRoute, jsonRoute} from '../http/route.js'
import type {MediaStore} from '../media/media-store.js'
import type {Store, StoredUser} from '../store/store.js'
import type {MomentsStore, StoredMoment} from './moments-store.js'

export interface MomentsOptions {
  store: Store
  moments: MomentsStore
  /** The media group's uploads, which a moment refers to by id (§15.2, §16). */
  media: MediaStore
  limits: AnnouncedLimits
  /** Base URL of the media group; media URLs are `${mediaBase}/media/${mediaId}`. */
  mediaBase: () => string
  authenticate: (req: IncomingMessage) => Promise<string>
  avatarUrl: (user: StoredUser) => string
}

const CURSOR = /^t([1-9]\d{0,15})$/

/**
 * Friends and moments on the short link (PROTOCOL.md §15). Each step is a method so that a test
 * double can plant one bug by overriding it.
 */
export class MomentsService {
  constructor(protected readonly o: MomentsOptions) {}

  /** Its routes on the short link. */
  routes(): HttpRoute[] {
    const R = SHORT_ROUTES
    return [
      jsonRoute(R.friendsAdd, async (req) => this.addFriend(await this.o.authenticate(req), parseFriendAdd(await this.body(req)).userId)),
      jsonRoute(R.friends, async (req) => ({friends: await this.friends(await this.o.authenticate(req))})),
      jsonRoute(R.momentsPost, async (req) => {
        const self = await this.o.authenticate(req)
        return this.post(self, parseMomentPost(await this.body(req)))
      }),
      jsonRoute(R.momentsTimeline, async (req, url) => this.timeline(await this.o.authenticate(req), url.searchParams)),
      jsonRoute(R.momentsGet, async (req, url) => {
        const self = await this.o.authenticate(req)
        return {moment: await this.view(self, await this.visibleMoment(self, parseMomentRef({momentId: url.searchParams.get('momentId') ?? undefined}, 'moments/get').momentId))}
      }),
      jsonRoute(R.momentsLike, async (req) => {
        const self = await this.o.authenticate(req)
        return this.like(self, parseMomentRef(await this.body(req), 'moments/like').momentId)
      }),
      jsonRoute(R.momentsComment, async (req) => {
        const self = await this.o.authenticate(req)
        const c = parseMomentComment(await this.body(req))
        return this.comment(self, c.momentId, c.text)
      }),
    ]
  }

  protected body(req: IncomingMessage): Promise<unknown> {
    return readJsonBody(req, this.o.limits.shortMaxBodyBytes, true)
  }

  protected async addFriend(self: string, other: string): Promise<object> {
    if (other === self) throw new ImhError('IMH_ERR_BAD_REQUEST', 'friends/add: field "userId" must not be your own user id', {field: 'userId'})
    if (!(await this.o.store.getUser(other))) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${other}"`, {field: 'userId'})
    await this.o.moments.addFriend(self, other)
    return {}
  }

  protected async friends(self: string): Promise<FriendView[]> {
    const ids = await this.o.moments.friendsOf(self)
    return Promise.all(ids.map((id) => this.person(id)))
  }

  protected async post(self: string, p: {text: string; mediaIds: string[]}): Promise<object> {
    await this.checkMedia(self, p.mediaIds)
    const m = await this.o.moments.addMoment(self, p.text, p.mediaIds)
    return {momentId: m.momentId, createTime: m.createTime}
  }

  /** Each id must name an upload of the poster's own; another user's counts as not found. */
  protected async checkMedia(self: string, mediaIds: readonly string[]): Promise<void> {
    for (const id of mediaIds) {
      const object = await this.o.media.get(id)
      if (!object || object.owner !== self) throw new ImhError('IMH_ERR_MEDIA_NOT_FOUND', `moments/post: no media "${id}" uploaded by you`, {field: 'mediaIds'})
    }
  }

  protected async timeline(self: string, params: URLSearchParams): Promise<object> {
    const q = parseTimelineQuery(params)
    let before = Number.MAX_SAFE_INTEGER
    if (q.cursor !== undefined) {
      const match = CURSOR.exec(q.cursor)
      if (!match) throw new ImhError('IMH_ERR_BAD_REQUEST', 'moments/timeline: field "cursor" is not a cursor this server gave', {field: 'cursor'})
      before = Number(match[1])
    }
    const authors = [self, ...(await this.o.moments.friendsOf(self))]
    // One more than asked tells whether a next page exists without a second query.
    const page = await this.o.moments.timeline(authors, before, q.limit + 1)
    const shown = page.slice(0, q.limit)
    const moments = await Promise.all(shown.map((m) => this.view(self, m)))
    return page.length > q.limit ? {moments, next: `t${shown.at(-1)!.seq}`} : {moments}
  }

  /** Only the author and the author's friends see a moment; to anyone else it does not exist. */
  protected async canSee(self: string, m: StoredMoment): Promise<boolean> {
    return m.author === self || (await this.o.moments.areFriends(m.author, self))
  }

  protected async visibleMoment(self: string, momentId: string): Promise<StoredMoment> {
    const m = await this.o.moments.getMoment(momentId)
    if (!m || !(await this.canSee(self, m))) throw new ImhError('IMH_ERR_MOMENT_NOT_FOUND', `no moment "${momentId}" you can see`, {field: 'momentId'})
    return m
  }

  protected async like(self: string, momentId: string): Promise<object> {
    const m = await this.visibleMoment(self, momentId)
    const added = await this.o.moments.addLike(momentId, self)
    if (added && m.author !== self) await this.notice(m.author, {kind: 'like', momentId, from: self, sendTime: Date.now()})
    return {}
  }

  protected async comment(self: string, momentId: string, text: string): Promise<object> {
    const m = await this.visibleMoment(self, momentId)
    const c = await this.o.moments.addComment(momentId, self, text)
    if (m.author !== self) await this.notice(m.author, {kind: 'comment', momentId, from: self, text, sendTime: c.createTime})
    return {commentId: c.commentId, createTime: c.createTime}
  }

  /** Stores the notice in the author's moments inbox, then notifies (PROTOCOL.md §15.6). */
  protected async notice(author: string, n: {kind: 'like' | 'comment'; momentId: string; from: string; text?: string; sendTime: number}): Promise<void> {
    await this.o.store.appendEntry(author, 'moments', n)
    await this.o.store.publish({type: 'notify', userId: author, category: 'moments'})
  }

  /**
   * The moment as `self` sees it: likes and comments only by people `self` is friends with, by
   * `self`, or by the author (mutual friends, as WeChat shows them).
   */
  protected async view(self: string, m: StoredMoment): Promise<MomentView> {
    const mine = new Set([self, m.author, ...(await this.o.moments.friendsOf(self))])
    const base = this.o.mediaBase()
    return {
      momentId: m.momentId,
      author: await this.person(m.author),
      text: m.text,
      media: m.mediaIds.map((mediaId) => ({mediaId, url: `${base}/media/${mediaId}`})),
      createTime: m.createTime,
      likes: m.likes.filter((u) => mine.has(u)),
      comments: m.comments.filter((c) => mine.has(c.from)),
    }
  }

  protected async person(userId: string): Promise<FriendView> {
    const user = await this.o.store.getUser(userId)
    if (!user) return {userId, nickname: '', avatarUrl: ''}
    return {userId, nickname: user.nickname, avatarUrl: this.o.avatarUrl(user)}
  }
}
