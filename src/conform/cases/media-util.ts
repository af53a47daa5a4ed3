import {groupUrl} from '../../client/group-url.js'
import {type RawRequestInit, type RawResponse, rawRequest} from '../../client/http-json.js'
import {MEDIA_ROUTES} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {show} from './http-expect.js'

// Raw requests to the media group (PROTOCOL.md §16) and checks on their headers.

/** A request to the media group: `target` is a path under its base, or an absolute URL it handed out. */
export function mediaRaw(ctx: CaseContext, method: string, target: string, init: RawRequestInit = {}): Promise<RawResponse> {
  const url = /^https?:\/\//.test(target) ? new URL(target) : groupUrl(ctx.mediaUrl, target)
  return rawRequest(method, url, init, {dispatcher: ctx.target.dispatcher, timeoutMs: ctx.ms(30_000), trace: ctx.trace.sink})
}

export function header(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

/** The full download object, checked to be a 200 whose body is as long as it says. */
export async function fullDownload(ctx: CaseContext): Promise<{res: RawResponse; size: number; etag: string}> {
  const what = `GET ${MEDIA_ROUTES.download}`
  const res = await mediaRaw(ctx, 'GET', MEDIA_ROUTES.download)
  check(res.status === 200, `${what}: expected 200 with the object, got ${show(res)}`)
  const size = res.bytes.length
  check(size > 0, `${what}: the download object is empty`)
  checkEqual(header(res, 'content-length'), String(size), `${what}: Content-Length`)
  return {res, size, etag: header(res, 'etag') ?? ''}
}

/** A 206 of bytes first…last of the full body, with the Content-Range and length that say so. */
export function checkPartial(res: RawResponse, full: Buffer, first: number, last: number, what: string): void {
  check(res.status === 206, `${what}: expected 206 Partial Content, got HTTP ${res.status}${res.status === 200 ? ' (the Range header was ignored)' : ''}`)
  checkEqual(header(res, 'content-range'), `bytes ${first}-${last}/${full.length}`, `${what}: Content-Range`)
  checkEqual(header(res, 'content-length'), String(last - first + 1), `${what}: Content-Length`)
  check(res.bytes.equals(full.subarray(first, last + 1)), `${what}: the ${res.bytes.length} body bytes are not bytes ${first}–${last} of the full body`)
}

/** A 304: no body, and the validators of the object. */
export function checkNotModified(res: RawResponse, etag: string, what: string): void {
  check(res.status === 304, `${what}: expected 304 Not Modified, got HTTP ${res.status}`)
  checkEqual(res.bytes.length, 0, `${what}: 304 body length`)
  checkEqual(header(res, 'etag'), etag, `${what}: the 304's ETag`)
}

const directives = (v: string | undefined): string[] => (v ?? '').split(',').map((d) => d.trim().toLowerCase()).filter((d) => d !== '').sort()

/** The caching headers of §16.4 on a 200: strong ETag, Last-Modified, the route's Cache-Control, Accept-Ranges. */
export function checkCacheable(res: RawResponse, cacheControl: string, what: string): void {
  check(res.status === 200, `${what}: expected 200, got ${show(res)}`)
  const etag = header(res, 'etag')
  check(etag !== undefined && /^"[\x21\x23-\x7e]*"$/.test(etag), `${what}: expected a strong ETag (a quoted string, no W/), got ${JSON.stringify(etag)}`)
  const lm = header(res, 'last-modified')
  check(lm !== undefined && Number.isFinite(Date.parse(lm)), `${what}: expected Last-Modified with an HTTP-date, got ${JSON.stringify(lm)}`)
  checkEqual(directives(header(res, 'cache-control')).join(', '), directives(cacheControl).join(', '), `${what}: Cache-Control directives`)
  checkEqual(header(res, 'accept-ranges'), 'bytes', `${what}: Accept-Ranges`)
}
