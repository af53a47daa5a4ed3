import {ImhError} from './errors.js'
import {type ShortRouteSpec, defineProtocolFlow, defineSyncCategory} from './flow-contract.js'
import {checkShape} from './shape.js'
import {type SyncPageOf, checkSyncPage} from './sync.js'

/** Friends and moments (PROTOCOL.md §15): bodies of the short-link routes and the SYNC notices. */

export const MAX_MOMENT_TEXT = 2000
export const MAX_MOMENT_MEDIA = 9
export const MAX_COMMENT_TEXT = 500
export const DEFAULT_TIMELINE_LIMIT = 10
export const MAX_TIMELINE_LIMIT = 50

/** Friends and moments on the short link (§15.1–§15.5). */
export const MOMENTS_SHORT_ROUTES = {
  friendsAdd: {method: 'POST', path: '/friends/add', auth: true},
  friends: {method: 'GET', path: '/friends', auth: true},
  momentsPost: {method: 'POST', path: '/moments/post', auth: true},
  momentsTimeline: {method: 'GET', path: '/moments/timeline', auth: true},
  momentsGet: {method: 'GET', path: '/moments/get', auth: true},
  momentsLike: {method: 'POST', path: '/moments/like', auth: true},
  momentsComment: {method: 'POST', path: '/moments/comment', auth: true},
} as const satisfies Record<string, ShortRouteSpec>

export interface FriendView { userId: string; nickname: string; avatarUrl: string }
export interface MomentMedia { mediaId: string; url: string }
export interface MomentComment { commentId: string; from: string; text: string; createTime: number }
export interface MomentView {
  momentId: string
  author: FriendView
  text: string
  media: MomentMedia[]
  createTime: number
  likes: string[]
  comments: MomentComment[]
}

/** One entry of a user's `moments` inbox: someone liked or commented on the user's moment. */
export interface MomentNotice {
  seq: number
  kind: 'like' | 'comment'
  momentId: string
  from: string
  /** The comment's text; absent for a like. */
  text?: string
  sendTime: number
}

export interface FriendAddRequest { userId: string }
export interface MomentPostRequest { text: string; mediaIds: string[] }
export interface MomentRefRequest { momentId: string }
export interface MomentCommentRequest { momentId: string; text: string }
export interface TimelineQuery { cursor?: string; limit: number }

export interface FriendsReply { ret: 0; friends: FriendView[] }
export interface MomentPostReply { ret: 0; momentId: string; createTime: number }
export interface TimelineReply { ret: 0; moments: MomentView[]; next?: string }
export interface MomentReply { ret: 0; moment: MomentView }
export interface MomentCommentReply { ret: 0; commentId: string; createTime: number }
export interface OkReply { ret: 0 }

// Requests are checked by the server: short-link bad requests name the field (§3.7).
const BAD = 'IMH_ERR_BAD_REQUEST'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

function bad(what: string, field: string, rule: string): ImhError {
  return new ImhError(BAD, `${what}: field "${field}" ${rule}`, {field})
}

function nonEmpty(value: string, what: string, field: string): void {
  if (value.length === 0) throw bad(what, field, 'must not be empty')
}

export function parseFriendAdd(v: unknown): FriendAddRequest {
  const r = checkShape<FriendAddRequest>(v, {userId: 'string'}, BAD, 'friends/add')
  nonEmpty(r.userId, 'friends/add', 'userId')
  return r
}

export function parseMomentPost(v: unknown): MomentPostRequest {
  const r = checkShape<MomentPostRequest>(v, {text: 'string', mediaIds: 'array'}, BAD, 'moments/post')
  if (r.text.length > MAX_MOMENT_TEXT) throw bad('moments/post', 'text', `must be at most ${MAX_MOMENT_TEXT} characters`)
  if (r.mediaIds.length > MAX_MOMENT_MEDIA) throw bad('moments/post', 'mediaIds', `must hold at most ${MAX_MOMENT_MEDIA} ids`)
  if (!r.mediaIds.every((id) => typeof id === 'string' && id.length > 0)) throw bad('moments/post', 'mediaIds', 'must be a list of non-empty strings')
  if (new Set(r.mediaIds).size !== r.mediaIds.length) throw bad('moments/post', 'mediaIds', 'must not repeat an id')
  if (r.text.length === 0 && r.mediaIds.length === 0) throw bad('moments/post', 'text', 'must not be empty when there is no media')
  return {text: r.text, mediaIds: r.mediaIds}
}

export function parseMomentRef(v: unknown, what: string): MomentRefRequest {
  const r = checkShape<MomentRefRequest>(v, {momentId: 'string'}, BAD, what)
  nonEmpty(r.momentId, what, 'momentId')
  return r
}

export function parseMomentComment(v: unknown): MomentCommentRequest {
  const r = checkShape<MomentCommentRequest>(v, {momentId: 'string', text: 'string'}, BAD, 'moments/comment')
  nonEmpty(r.momentId, 'moments/comment', 'momentId')
  if (r.text.length === 0 || r.text.length > MAX_COMMENT_TEXT) throw bad('moments/comment', 'text', `must be 1 to ${MAX_COMMENT_TEXT} characters`)
  return r
}

/** `?cursor=&limit=` of GET /moments/timeline; an empty cursor is the first page. */
export function parseTimelineQuery(params: URLSearchParams): TimelineQuery {
  const rawLimit = params.get('limit')
  let limit = DEFAULT_TIMELINE_LIMIT
  if (rawLimit !== null && rawLimit !== '') {
    limit = /^\d{1,6}$/.test(rawLimit) ? Number(rawLimit) : NaN
    if (!(limit >= 1 && limit <= MAX_TIMELINE_LIMIT)) throw bad('moments/timeline', 'limit', `must be an integer from 1 to ${MAX_TIMELINE_LIMIT}`)
  }
  const cursor = params.get('cursor') || undefined
  return cursor === undefined ? {limit} : {cursor, limit}
}

// Replies are checked by the client.
function checkFriend(v: unknown, what: string): FriendView {
  return checkShape<FriendView>(v, {userId: 'string', nickname: 'string', avatarUrl: 'string'}, OFF, what)
}

export function checkMomentView(v: unknown, what = 'moment'): MomentView {
  const m = checkShape<MomentView>(v, {momentId: 'string', author: 'object', text: 'string', media: 'array', createTime: 'number', likes: 'array', comments: 'array'}, OFF, what)
  checkFriend(m.author, `${what} author`)
  for (const x of m.media) checkShape(x, {mediaId: 'string', url: 'string'}, OFF, `${what} media`)
  if (!m.likes.every((x) => typeof x === 'string')) throw new ImhError(OFF, `${what}: field "likes" must be a list of user ids`, {field: 'likes'})
  for (const c of m.comments) checkShape(c, {commentId: 'string', from: 'string', text: 'string', createTime: 'number'}, OFF, `${what} comment`)
  return m
}

export function parseFriendsReply(v: unknown): FriendsReply {
  const r = checkShape<FriendsReply>(v, {ret: 'int', friends: 'array'}, OFF, 'friends reply')
  for (const f of r.friends) checkFriend(f, 'friends reply friend')
  return r
}

export const parseOkReply = (v: unknown) => checkShape<OkReply>(v, {ret: 'int'}, OFF, 'reply')
export const parseMomentPostReply = (v: unknown) => checkShape<MomentPostReply>(v, {ret: 'int', momentId: 'string', createTime: 'number'}, OFF, 'moments/post reply')
export const parseMomentCommentReply = (v: unknown) => checkShape<MomentCommentReply>(v, {ret: 'int', commentId: 'string', createTime: 'number'}, OFF, 'moments/comment reply')

export function parseTimelineReply(v: unknown): TimelineReply {
  const r = checkShape<TimelineReply>(v, {ret: 'int', moments: 'array', next: 'string?'}, OFF, 'moments/timeline reply')
  for (const m of r.moments) checkMomentView(m, 'timeline moment')
  return r
}

export function parseMomentReply(v: unknown): MomentReply {
  const r = checkShape<MomentReply>(v, {ret: 'int', moment: 'object'}, OFF, 'moments/get reply')
  checkMomentView(r.moment, 'moments/get moment')
  return r
}

export function checkNotice(v: unknown, what = 'SYNC reply notice'): MomentNotice {
  const n = checkShape<MomentNotice>(v, {seq: 'uint', kind: 'string', momentId: 'string', from: 'string', text: 'string?', sendTime: 'number'}, OFF, what)
  if (n.kind !== 'like' && n.kind !== 'comment') throw new ImhError(OFF, `${what}: field "kind" must be like or comment`, {field: 'kind'})
  return n
}

/** The `moments` inbox (§15.6): like and comment notices, emitted by a client as 'notice'. */
export const MOMENTS_SYNC_CATEGORY = defineSyncCategory({
  name: 'moments', itemsField: 'notices', item: (v) => checkNotice(v), itemEvent: 'notice', notifyEvent: 'moments-notify', section: '15.6',
})

/** The SYNC reply of category `moments` (§15.6): notices instead of messages. */
export type NoticeSyncReply = SyncPageOf<'notices', MomentNotice>

export const parseNoticeSyncReply = (v: unknown): NoticeSyncReply => checkSyncPage(v, MOMENTS_SYNC_CATEGORY)

/** Friends and moments (§15): short-link routes and a SYNC category of their own. */
export const momentsFlow = defineProtocolFlow({
  name: 'moments',
  title: 'Friends and moments',
  sections: ['15'],
  groups: [],
  shortRoutes: MOMENTS_SHORT_ROUTES,
  commands: [],
  errors: ['IMH_ERR_MOMENT_NOT_FOUND'],
  syncCategories: [MOMENTS_SYNC_CATEGORY],
  limits: [],
})
