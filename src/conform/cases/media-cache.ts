import {CACHE_CONTROL_DAY, CACHE_CONTROL_IMMUTABLE, MEDIA_ROUTES} from '../../protocol/index.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {checkCacheable, checkNotModified, fullDownload, header, mediaRaw} from './media-util.js'
import {avatarPath, uploadImage} from './media-upload.js'

const D = MEDIA_ROUTES.download

export const mediaCacheCases: readonly CaseDefinition[] = [
  {
    id: 'media.if-none-match',
    section: '16.3',
    level: 'MUST',
    requirement: 'If-None-Match with the ETag (alone, weak, or in a list) answers 304 with the ETag and no body',
    async run(ctx) {
      const {etag} = await fullDownload(ctx)
      for (const value of [etag, `W/${etag}`, `"imh-other", ${etag}`]) {
        checkNotModified(await mediaRaw(ctx, 'GET', D, {headers: {'if-none-match': value}}), etag, `GET ${D} with If-None-Match: ${value}`)
      }
    },
  },
  {
    id: 'media.if-none-match-other',
    section: '16.3',
    level: 'MUST',
    requirement: 'If-None-Match with another ETag answers the full 200',
    async run(ctx) {
      const {size} = await fullDownload(ctx)
      const what = `GET ${D} with If-None-Match: "imh-other"`
      const res = await mediaRaw(ctx, 'GET', D, {headers: {'if-none-match': '"imh-other"'}})
      check(res.status === 200, `${what}: expected 200 (the client's copy is another one), got HTTP ${res.status}`)
      checkEqual(res.bytes.length, size, `${what}: body length`)
    },
  },
  {
    id: 'media.if-modified-since',
    section: '16.3',
    level: 'MUST',
    requirement: 'If-Modified-Since equal to Last-Modified (and no If-None-Match) answers 304 with no body',
    async run(ctx) {
      const {res: full, etag} = await fullDownload(ctx)
      const lm = header(full, 'last-modified')
      check(lm !== undefined, `GET ${D}: no Last-Modified to send back`)
      checkNotModified(await mediaRaw(ctx, 'GET', D, {headers: {'if-modified-since': lm}}), etag, `GET ${D} with If-Modified-Since: ${lm}`)
    },
  },
  {
    id: 'media.validators',
    section: '16.4',
    level: 'MUST',
    requirement: 'avatars, uploads and the download carry a strong ETag, Last-Modified, Accept-Ranges: bytes and the Cache-Control of their route',
    async run(ctx) {
      const user = await ctx.newUser('val')
      const avatar = avatarPath(user.userId)
      checkCacheable(await mediaRaw(ctx, 'GET', avatar), CACHE_CONTROL_DAY, `GET ${avatar}`)
      const up = await uploadImage(ctx, user.token)
      checkCacheable(await mediaRaw(ctx, 'GET', up.url), CACHE_CONTROL_IMMUTABLE, `GET ${up.url} (an upload)`)
      checkCacheable((await fullDownload(ctx)).res, CACHE_CONTROL_DAY, `GET ${D}`)
    },
  },
  {
    id: 'media.head',
    section: '16.4',
    level: 'MUST',
    requirement: "HEAD answers GET's status and headers (Content-Length, Content-Type, ETag, Last-Modified, Cache-Control) with no body",
    async run(ctx) {
      const user = await ctx.newUser('head')
      for (const path of [D, avatarPath(user.userId)]) {
        const get = await mediaRaw(ctx, 'GET', path)
        const head = await mediaRaw(ctx, 'HEAD', path)
        const what = `HEAD ${path}`
        checkEqual(head.status, get.status, `${what}: status (GET's)`)
        for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'cache-control', 'accept-ranges']) {
          checkEqual(header(head, name), header(get, name), `${what}: ${name} (GET's)`)
        }
        checkEqual(head.bytes.length, 0, `${what}: body length`)
      }
    },
  },
]
