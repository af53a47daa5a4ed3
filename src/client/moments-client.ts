import {
  type FriendsReply, type MomentCommentReply, type MomentPostReply, type MomentReply, type OkReply, SHORT_ROUTES, type TimelineReply,
  parseFriendsReply, parseMomentCommentReply, parseMomentPostReply, parseMomentReply, parseOkReply, parseTimelineReply,
} from '../protocol/index.js'
import {envelopeBody} from './http-json.js'
import type {ShortClient} from './short-client.js'

type Route = keyof typeof SHORT_ROUTES

/**
 * Friends and moments on the short link (PROTOCOL.md §15), with the logged-in ShortClient's
 * token. Notices of likes and comments arrive over the long link (VirtualClient 'notice').
 */
export class MomentsClient {
  constructor(readonly short: ShortClient) {}

  addFriend(userId: string): Promise<OkReply> {
    return this.call('friendsAdd', {userId}, parseOkReply)
  }

  friends(): Promise<FriendsReply> {
    return this.call('friends', undefined, parseFriendsReply)
  }

  post(text: string, mediaIds: string[] = []): Promise<MomentPostReply> {
    return this.call('momentsPost', {text, mediaIds}, parseMomentPostReply)
  }

  /** One page, newest first; pass the previous page's `next` for the one after it. */
  timeline(cursor?: string, limit?: number): Promise<TimelineReply> {
    const q = new URLSearchParams()
    if (cursor !== undefined) q.set('cursor', cursor)
    if (limit !== undefined) q.set('limit', String(limit))
    const query = q.size ? `?${q}` : ''
    return this.call('momentsTimeline', undefined, parseTimelineReply, query)
  }

  get(momentId: string): Promise<MomentReply> {
    return this.call('momentsGet', undefined, parseMomentReply, `?momentId=${encodeURIComponent(momentId)}`)
  }

  like(momentId: string): Promise<OkReply> {
    return this.call('momentsLike', {momentId}, parseOkReply)
  }

  comment(momentId: string, text: string): Promise<MomentCommentReply> {
    return this.call('momentsComment', {momentId, text}, parseMomentCommentReply)
  }

  private async call<T>(route: Route, body: unknown, parse: (v: unknown) => T, query = ''): Promise<T> {
    const {method, path} = SHORT_ROUTES[route]
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.short.token) headers.authorization = `Bearer ${this.short.token}`
    const res = await this.short.raw(method, path + query, {body: body === undefined ? undefined : JSON.stringify(body), headers})
    return parse(envelopeBody(res, `${method} ${path}`, {route}))
  }
}
