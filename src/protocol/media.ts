import {defineProtocolFlow} from './flow-contract.js'
import {defineLimits} from './limit-spec.js'
import {checkShape} from './shape.js'

/** Media group routes (PROTOCOL.md §16), appended to the group's base URL. */
export const MEDIA_ROUTES = {
  upload: '/media/upload',
  /** Prefix of an uploaded object: `/media/<mediaId>`. */
  object: '/media/',
  /** Prefix of a user's avatar: `/avatar/<userId>`. */
  avatar: '/avatar/',
  download: '/download/game.bin',
} as const

/** Content types an upload may have (§16.5). */
export const MEDIA_UPLOAD_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp']

export const CACHE_CONTROL_IMMUTABLE = 'public, max-age=31536000, immutable'
export const CACHE_CONTROL_DAY = 'public, max-age=86400'

/** The media type of a Content-Type header without its parameters, lower case. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}

/** What a Range header asks of a representation of `size` bytes. `end` is inclusive. */
export type RangeRequest = {kind: 'none'} | {kind: 'range'; start: number; end: number} | {kind: 'unsatisfiable'}

/**
 * A single byte range per RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-`, `bytes=-n`, the end clamped to
 * size−1. A start at or past the end, or `-0`, is unsatisfiable. A malformed header, another unit
 * or several ranges read as no Range at all (the whole object is sent, §16.2).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return {kind: 'none'}
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (!m) return {kind: 'none'}
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return {kind: 'none'}
  if (a === '') {
    const n = Number(b)
    if (n === 0 || size === 0) return {kind: 'unsatisfiable'}
    return {kind: 'range', start: Math.max(0, size - n), end: size - 1}
  }
  const start = Number(a)
  if (b !== '' && Number(b) < start) return {kind: 'none'}
  if (start >= size) return {kind: 'unsatisfiable'}
  return {kind: 'range', start, end: b === '' ? size - 1 : Math.min(Number(b), size - 1)}
}

export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`
}

export function unsatisfiedContentRange(size: number): string {
  return `bytes */${size}`
}

/** A parsed Content-Range: a range, or `bytes * /size` of a 416 (start/end undefined). */
export interface ContentRange {
  start?: number
  end?: number
  size: number
}

export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+)\s*$/i.exec(header)
  if (!m) return undefined
  const size = Number(m[3])
  if (m[1] === undefined) return {size}
  const start = Number(m[1])
  const end = Number(m[2])
  if (end < start || end >= size) return undefined
  return {start, end, size}
}

/** The entity tags of an If-None-Match / If-Match list, as written (with any `W/`); `*` alone is ['*']. */
export function parseEtagList(header: string | undefined): string[] {
  if (header === undefined) return []
  if (header.trim() === '*') return ['*']
  return header.match(/(?:W\/)?"[^"]*"/g) ?? []
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag)

/** If-None-Match per RFC 9110 §13.1.2: weak comparison, `*` matches any current representation. */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  const tags = parseEtagList(header)
  if (tags[0] === '*') return true
  return tags.some((t) => opaque(t) === opaque(etag))
}

/** Whether a date header (If-Modified-Since) says the object is unchanged since then. Invalid dates never match. */
export function notModifiedSince(header: string | undefined, lastModifiedMs: number): boolean {
  if (header === undefined) return false
  const since = Date.parse(header)
  return Number.isFinite(since) && Math.floor(lastModifiedMs / 1000) * 1000 <= since
}

/**
 * If-Range per RFC 9110 §13.1.5: an entity tag matches by strong comparison (a weak tag never
 * does), a date only when it equals Last-Modified exactly.
 */
export function ifRangeMatches(header: string | undefined, etag: string, lastModifiedMs: number): boolean {
  if (header === undefined) return true
  const h = header.trim()
  if (h.startsWith('"')) return !etag.startsWith('W/') && h === etag
  if (h.startsWith('W/')) return false
  const date = Date.parse(h)
  return Number.isFinite(date) && date === Math.floor(lastModifiedMs / 1000) * 1000
}

export interface Validators {
  etag: string
  lastModifiedMs: number
  size: number
}

export interface ConditionalHeaders {
  method: string
  ifNoneMatch?: string
  ifModifiedSince?: string
  range?: string
  ifRange?: string
}

/** The answer to a GET or HEAD of a cacheable object (§16.2, §16.3); `end` inclusive. */
export type MediaPlan = {status: 304} | {status: 416} | {status: 200 | 206; start: number; end: number}

/** Evaluates the conditional headers and Range in RFC 9110 §13.2.2's order. */
export function planMediaResponse(h: ConditionalHeaders, v: Validators): MediaPlan {
  if (h.ifNoneMatch !== undefined) {
    if (ifNoneMatchMatches(h.ifNoneMatch, v.etag)) return {status: 304}
  } else if (notModifiedSince(h.ifModifiedSince, v.lastModifiedMs)) {
    return {status: 304}
  }
  const full: MediaPlan = {status: 200, start: 0, end: v.size - 1}
  // Range applies to GET only, and If-Range that does not match means "send it all".
  if (h.method !== 'GET' || !ifRangeMatches(h.ifRange, v.etag, v.lastModifiedMs)) return full
  const range = parseRange(h.range, v.size)
  if (range.kind === 'unsatisfiable') return {status: 416}
  if (range.kind === 'range') return {status: 206, start: range.start, end: range.end}
  return full
}

/** `POST /media/upload`'s answer (§16.5). */
export interface MediaUploadReply {
  ret: 0
  mediaId: string
  /** Absolute URL of the object on the media group. */
  url: string
  size: number
  etag: string
}

export const parseMediaUploadReply = (v: unknown): MediaUploadReply =>
  checkShape<MediaUploadReply>(v, {ret: 'int', mediaId: 'string', url: 'string', size: 'uint', etag: 'string'}, 'IMH_ERR_PROTOCOL_VIOLATION', 'upload reply')

const GAME_PERIOD = 65521
let gamePattern: Buffer | undefined

function pattern(): Buffer {
  if (gamePattern) return gamePattern
  // A prime period, so a range served from the wrong offset almost never looks right.
  const p = Buffer.alloc(GAME_PERIOD * 2)
  let x = 0x9e3779b9
  for (let i = 0; i < GAME_PERIOD; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    p[i] = x & 0xff
  }
  p.copy(p, GAME_PERIOD, 0, GAME_PERIOD)
  gamePattern = p
  return p
}

/** Bytes `start` … `start+length−1` of the download object (§16.6): both sides generate them, none stores it. */
export function gameBytes(start: number, length: number): Buffer {
  const p = pattern()
  const out = Buffer.allocUnsafe(length)
  let written = 0
  while (written < length) {
    const offset = (start + written) % GAME_PERIOD
    const n = Math.min(length - written, GAME_PERIOD)
    p.copy(out, written, offset, offset + n)
    written += n
  }
  return out
}

/** The media / CDN group (§16), served over HTTP. */
export const mediaFlow = defineProtocolFlow({
  name: 'media',
  title: 'Media / CDN group',
  sections: ['16'],
  groups: [{name: 'media', schemes: ['http:', 'https:']}],
  shortRoutes: {},
  commands: [],
  errors: ['IMH_ERR_MEDIA_NOT_FOUND', 'IMH_ERR_MEDIA_TOO_LARGE', 'IMH_ERR_MEDIA_TYPE', 'IMH_ERR_RANGE_NOT_SATISFIABLE'],
  syncCategories: [],
  limits: defineLimits([
    {key: 'mediaMaxUploadBytes', default: 2 * 1024 * 1024, min: 1024, max: 64 * 1024 * 1024, unit: 'bytes', section: '16', description: 'largest upload the media group accepts, bytes', flag: 'media-max-upload'},
  ] as const),
})
