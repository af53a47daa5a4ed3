import {createHash} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {PNG} from 'pngjs'
import {
  CACHE_CONTROL_DAY, CACHE_CONTROL_IMMUTABLE, ImhError, MEDIA_ROUTES, MEDIA_UPLOAD_TYPES, type MediaUploadReply,
  contentRange, errorBody, gameBytes, mediaTypeOf, planMediaResponse, unsatisfiedContentRange,
} from '../../src/protocol/index.js'
import {authenticate} from '../core/session.js'
import {readBody, sendJson} from '../http/json-server.js'
import type {HttpRoute} from '../http/route.js'
import type {Store} from '../store/store.js'
import type {MediaLimits} from './limits.js'
import type {MediaStore} from './media-store.js'

export interface MediaOptions {
  store: Store
  media: MediaStore
  limits: MediaLimits
  /** This group's base URL as clients reach it, for the upload's `url`. */
  publicBase: () => string
}

/** What one cacheable answer needs: validators, headers, and the bytes of any range. */
interface Servable {
  etag: string
  lastModifiedMs: number
  size: number
  contentType: string
  cacheControl: string
  /** Writes bytes start…end (inclusive) to the response, then ends it. */
  write(res: ServerResponse, start: number, end: number): Promise<void>
}

const CHUNK = 64 * 1024
const ID = /^[A-Za-z0-9_-]{1,128}$/

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return ''
  }
}

function bufferServable(bytes: Buffer): Servable['write'] {
  return async (res, start, end) => void res.end(bytes.subarray(start, end + 1))
}

/** game.bin is generated per chunk as it is sent, with backpressure, so no copy of it is ever held. */
async function writeGame(res: ServerResponse, start: number, end: number): Promise<void> {
  for (let at = start; at <= end && !res.destroyed; at += CHUNK) {
    const n = Math.min(CHUNK, end + 1 - at)
    if (!res.write(gameBytes(at, n))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  res.end()
}

async function serve(req: IncomingMessage, res: ServerResponse, s: Servable): Promise<void> {
  const method = req.method ?? 'GET'
  const header = (name: string): string | undefined => {
    const v = req.headers[name]
    return Array.isArray(v) ? v.join(', ') : v
  }
  const plan = planMediaResponse(
    {method, ifNoneMatch: header('if-none-match'), ifModifiedSince: header('if-modified-since'), range: header('range'), ifRange: header('if-range')},
    s,
  )
  const validators = {'etag': s.etag, 'last-modified': new Date(s.lastModifiedMs).toUTCString(), 'cache-control': s.cacheControl}
  if (plan.status === 304) return void res.writeHead(304, validators).end()
  if (plan.status === 416) {
    const text = JSON.stringify(errorBody(new ImhError('IMH_ERR_RANGE_NOT_SATISFIABLE', `${header('range')} selects no byte of ${s.size}`)))
    res.writeHead(416, {'content-range': unsatisfiedContentRange(s.size), 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)})
    return void res.end(text)
  }
  const headers: Record<string, string | number> = {...validators, 'content-type': s.contentType, 'accept-ranges': 'bytes', 'content-length': plan.end - plan.start + 1}
  if (plan.status === 206) headers['content-range'] = contentRange(plan.start, plan.end, s.size)
  res.writeHead(plan.status, headers)
  if (method === 'HEAD' || s.size === 0) return void res.end()
  await s.write(res, plan.start, plan.end)
}

/** A small PNG of a colour pattern derived from the user id: the same user always gets the same bytes. */
export function avatarPng(userId: string): Buffer {
  const seed = createHash('sha256').update(userId).digest()
  const png = new PNG({width: 32, height: 32})
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      // A mirrored 4×4 block pattern, like an identicon.
      const cell = (Math.min(x >> 2, 7 - (x >> 2)) + 4 * (y >> 3)) % 16
      const on = (seed[cell]! & 1) === 1
      const i = (y * 32 + x) * 4
      png.data[i] = on ? seed[16]! : 240
      png.data[i + 1] = on ? seed[17]! : 240
      png.data[i + 2] = on ? seed[18]! : 240
      png.data[i + 3] = 255
    }
  }
  return PNG.sync.write(png)
}

const quotedHash = (b: Buffer | string): string => `"${createHash('sha256').update(b).digest('base64url').slice(0, 27)}"`

/** Reads an upload of at most `limit` bytes. */
async function readUpload(req: IncomingMessage, limit: number): Promise<Buffer> {
  const bytes = await readBody(req, limit, () => new ImhError('IMH_ERR_MEDIA_TOO_LARGE', `uploads are limited to ${limit} bytes`))
  if (bytes.length === 0) throw new ImhError('IMH_ERR_BAD_REQUEST', 'the upload body is empty')
  return bytes
}

/** The media / CDN group (PROTOCOL.md §16): uploads, avatars and the game download, all cacheable. */
export function mediaRoutes(options: MediaOptions): HttpRoute[] {
  const {store, media, limits} = options
  const startedMs = Math.floor(Date.now() / 1000) * 1000
  const gameEtag = `"game-${limits.downloadBytes}-${startedMs.toString(36)}"`
  const avatars = new Map<string, {png: Buffer; etag: string}>()

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const owner = await authenticate(store, req)
    const type = mediaTypeOf(req.headers['content-type'])
    if (!MEDIA_UPLOAD_TYPES.includes(type)) {
      req.resume()
      throw new ImhError('IMH_ERR_MEDIA_TYPE', `content-type must be one of ${MEDIA_UPLOAD_TYPES.join(', ')}, got "${type || 'none'}"`)
    }
    const object = await media.put(owner, type, await readUpload(req, limits.mediaMaxUploadBytes))
    const reply: MediaUploadReply = {ret: 0, mediaId: object.mediaId, url: `${options.publicBase()}${MEDIA_ROUTES.object}${object.mediaId}`, size: object.bytes.length, etag: object.etag}
    sendJson(res, 200, reply)
  }

  async function avatar(userId: string): Promise<Servable> {
    if (!ID.test(userId) || !(await store.getUser(userId))) throw new ImhError('IMH_ERR_UNKNOWN_USER', `no user "${userId}"`)
    let a = avatars.get(userId)
    if (!a) {
      const png = avatarPng(userId)
      a = {png, etag: quotedHash(png)}
      if (avatars.size >= 10_000) avatars.clear()
      avatars.set(userId, a)
    }
    return {etag: a.etag, lastModifiedMs: startedMs, size: a.png.length, contentType: 'image/png', cacheControl: CACHE_CONTROL_DAY, write: bufferServable(a.png)}
  }

  async function object(mediaId: string): Promise<Servable> {
    const o = ID.test(mediaId) ? await media.get(mediaId) : undefined
    if (!o) throw new ImhError('IMH_ERR_MEDIA_NOT_FOUND', `no media object "${mediaId}"`)
    return {etag: o.etag, lastModifiedMs: o.lastModified, size: o.bytes.length, contentType: o.contentType, cacheControl: CACHE_CONTROL_IMMUTABLE, write: bufferServable(o.bytes)}
  }

  const game: Servable = {etag: gameEtag, lastModifiedMs: startedMs, size: limits.downloadBytes, contentType: 'application/octet-stream', cacheControl: CACHE_CONTROL_DAY, write: writeGame}

  const cacheable = (path: string, servable: (rest: string) => Promise<Servable>): HttpRoute => ({
    method: ['GET', 'HEAD'], path, handle: async (req, res, {rest}) => serve(req, res, await servable(decode(rest))),
  })
  return [
    {method: 'POST', path: MEDIA_ROUTES.upload, handle: upload},
    cacheable(MEDIA_ROUTES.download, async () => game),
    cacheable(`${MEDIA_ROUTES.avatar}*`, avatar),
    cacheable(`${MEDIA_ROUTES.object}*`, object),
  ]
}
