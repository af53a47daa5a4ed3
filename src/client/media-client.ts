import type {Dispatcher} from 'undici'
import {undici} from '../common/undici.js'
import {ImhError, MEDIA_ROUTES, type MediaUploadReply, parseContentRange, parseMediaUploadReply} from '../protocol/index.js'
import {envelopeBody, rawRequest} from './http-json.js'
import {groupUrl} from './group-url.js'
import {serverError} from './server-error.js'

export interface MediaClientOptions {
  /** The media group's base URL (scheduler group `media`, PROTOCOL.md §16). */
  base: string
  dispatcher?: Dispatcher
  timeoutMs?: number
}

export interface MediaGot {
  status: 200 | 304
  /** Empty on 304. */
  bytes: Buffer
  etag: string
  headers: Record<string, string | string[] | undefined>
}

export interface DownloadOptions {
  /** Bytes per Range request; 0 asks for the whole object in one plain GET. */
  chunkBytes: number
  /** Offset to resume from (default 0). */
  from?: number
  /** ETag of the earlier part when resuming; the server sends everything again if it changed. */
  etag?: string
  /** Receives the body in order as it arrives; `offset` is the position in the object. */
  onData?: (offset: number, bytes: Buffer) => void
  /** Called after each request's body is complete: its status, body bytes and time taken (ms). */
  onResponse?: (status: number, bytes: number, ms: number) => void
}

export interface DownloadResult {
  size: number
  etag: string
  requests: number
  /** Body bytes received over all requests. */
  received: number
}

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name]
  return Array.isArray(v) ? v[0] : v
}

/** Client of the media group: upload, conditional GET, and chunked resumable download (PROTOCOL.md §16). */
export class MediaClient {
  private readonly timeoutMs: number

  constructor(private readonly options: MediaClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  /** `POST /media/upload` (§16.5). */
  async upload(token: string, contentType: string, bytes: Buffer): Promise<MediaUploadReply> {
    const res = await rawRequest('POST', groupUrl(this.options.base, MEDIA_ROUTES.upload), {body: bytes, headers: {'authorization': `Bearer ${token}`, 'content-type': contentType}}, {dispatcher: this.options.dispatcher, timeoutMs: this.timeoutMs})
    return parseMediaUploadReply(envelopeBody(res, 'POST /media/upload', {status: res.status}))
  }

  /** A GET, conditional on `etag` when given: 304 comes back as status 304 with no bytes. */
  async get(url: string, o: {etag?: string} = {}): Promise<MediaGot> {
    const res = await rawRequest('GET', new URL(url), {headers: o.etag ? {'if-none-match': o.etag} : {}}, {dispatcher: this.options.dispatcher, timeoutMs: this.timeoutMs})
    if (res.status !== 200 && res.status !== 304) throw failure(res.status, res.json, `GET ${url}`)
    return {status: res.status, bytes: res.bytes, etag: header(res.headers, 'etag') ?? '', headers: res.headers}
  }

  /**
   * Downloads `url` in Range requests of `chunkBytes`. Every 206 must carry the Content-Range asked
   * for, the same total size and the same ETag; later chunks send If-Range, and a 200 to one
   * means the object changed, so the whole new object is taken from that answer.
   */
  async download(url: string, o: DownloadOptions): Promise<DownloadResult> {
    let offset = o.from ?? 0
    let etag = o.etag
    let size: number | undefined
    let requests = 0
    let received = 0
    while (size === undefined || offset < size) {
      const headers: Record<string, string> = {}
      const end = o.chunkBytes > 0 ? offset + o.chunkBytes - 1 : undefined
      if (o.chunkBytes > 0 || offset > 0) headers.range = `bytes=${offset}-${end ?? ''}`
      if (etag && headers.range) headers['if-range'] = etag
      const sentAt = performance.now()
      const res = await undici().request(url, {method: 'GET', headers, dispatcher: this.options.dispatcher, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs})
      requests++
      const what = `GET ${url} ${headers.range ?? ''}`.trim()
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        const text = await res.body.text()
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        throw failure(res.statusCode, json, what)
      }
      const gotEtag = header(res.headers, 'etag') ?? ''
      let at: number
      if (res.statusCode === 200) {
        // A full answer: the range was ignored, or If-Range said the object changed.
        at = 0
        size = Number(header(res.headers, 'content-length') ?? NaN)
        if (!Number.isSafeInteger(size)) size = undefined
      } else {
        const cr = parseContentRange(header(res.headers, 'content-range'))
        const violation = (why: string) => new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: ${why}`, {contentRange: header(res.headers, 'content-range'), etag: gotEtag})
        if (!cr || cr.start === undefined) { res.body.resume(); throw violation('206 without a valid Content-Range') }
        if (cr.start !== offset) { res.body.resume(); throw violation(`206 starts at ${cr.start}, asked for ${offset}`) }
        if (end !== undefined && cr.end !== Math.min(end, cr.size - 1)) { res.body.resume(); throw violation(`206 ends at ${cr.end}, expected ${Math.min(end, cr.size - 1)}`) }
        if (size !== undefined && cr.size !== size) { res.body.resume(); throw violation(`total size changed from ${size} to ${cr.size}`) }
        if (etag !== undefined && gotEtag !== etag) { res.body.resume(); throw violation(`ETag changed from ${etag} to ${gotEtag} between chunks`) }
        at = cr.start
        size = cr.size
      }
      etag = gotEtag
      let n = 0
      for await (const chunk of res.body) {
        o.onData?.(at + n, chunk as Buffer)
        n += (chunk as Buffer).length
      }
      received += n
      o.onResponse?.(res.statusCode, n, performance.now() - sentAt)
      if (res.statusCode === 200) {
        size ??= n
        if (n !== size) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: body of ${n} bytes, Content-Length ${size}`)
        offset = size
      } else {
        const expected = Math.min(end ?? size! - 1, size! - 1) - at + 1
        if (n !== expected) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${what}: 206 body of ${n} bytes, Content-Range says ${expected}`)
        offset = at + n
      }
    }
    return {size, etag: etag ?? '', requests, received}
  }
}

function failure(status: number, json: unknown, what: string): ImhError {
  const env = json as {ret?: unknown; code?: unknown; errMsg?: unknown} | undefined
  if (typeof env === 'object' && env !== null && typeof env.code === 'string') return serverError(env, {status}, what)
  return new ImhError('IMH_ERR_UNEXPECTED_STATUS', `${what}: HTTP ${status}`, {status})
}
