import type {RawResponse} from '../../client/http-json.js'
import {MomentsClient} from '../../client/moments-client.js'
import {type ErrorCode, type MomentView, type NoticeSyncReply, SHORT_ROUTES} from '../../protocol/index.js'
import type {CaseContext, TestUser} from '../context.js'
import {check} from '../expect.js'
import {CaseFailure} from '../failures.js'
import {checkFail, checkOk} from './http-expect.js'
import {pullAfterNotify} from './sync-category.js'
import type {FrameLog} from './util.js'

// Helpers of the moments cases (PROTOCOL.md §15).

export const R = SHORT_ROUTES

export function moments(user: TestUser): MomentsClient {
  return new MomentsClient(user.short)
}

/** A request with the user's token; `body` as JSON unless it is a string. */
export function api(user: TestUser, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const headers: Record<string, string> = {authorization: `Bearer ${user.token}`}
  if (body !== undefined) headers['content-type'] = 'application/json'
  return user.short.raw(method, path, {body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers})
}

export async function expectCode(res: Promise<RawResponse>, code: ErrorCode, what: string): Promise<void> {
  checkFail(await res, code, what)
}

export async function expectOk(res: Promise<RawResponse>, what: string): Promise<void> {
  checkOk(await res, what)
}

/** Two fresh users who are friends (added by the first). */
export async function friends(ctx: CaseContext): Promise<[TestUser, TestUser]> {
  const a = await ctx.newUser('a')
  const b = await ctx.newUser('b')
  await moments(a).addFriend(b.userId)
  return [a, b]
}

/** All of a user's timeline, page after page; fails on a loop. */
export async function wholeTimeline(user: TestUser, limit: number, maxPages = 100): Promise<{ids: string[]; pages: MomentView[][]}> {
  const m = moments(user)
  const pages: MomentView[][] = []
  let cursor: string | undefined
  do {
    const page = await m.timeline(cursor, limit)
    check(page.moments.length <= limit, `timeline page ${pages.length + 1}: ${page.moments.length} moments for limit ${limit}`)
    pages.push(page.moments)
    cursor = page.next
    if (pages.length > maxPages) throw new CaseFailure(`timeline still gives a next cursor after ${maxPages} pages of ${limit}`)
  } while (cursor !== undefined)
  return {ids: pages.flat().map((x) => x.momentId), pages}
}

export function describeIds(ids: readonly string[], names: ReadonlyMap<string, string>): string {
  return `[${ids.map((id) => names.get(id) ?? id).join(', ')}]`
}

/** Waits for SYNC_NOTIFY naming category moments, then pulls that inbox from the start. */
export function pullNotices(ctx: CaseContext, log: FrameLog, mark: number, what: string): Promise<NoticeSyncReply> {
  return pullAfterNotify(ctx, log, mark, 'moments', 'author', what)
}

/** A small valid PNG (1×1, grey). */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4AWNoAAIABQUCAZgGIWMAAAAASUVORK5CYII=', 'base64')
