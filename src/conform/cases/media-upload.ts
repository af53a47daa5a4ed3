import {randomBytes} from 'node:crypto'
import {groupUrl} from '../../client/group-url.js'
import {MEDIA_ROUTES, type MediaUploadReply, SHORT_ROUTES, parseMediaUploadReply} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {bearer, checkFail, checkOk, contentType} from './http-expect.js'
import {header, mediaRaw} from './media-util.js'

const U = MEDIA_ROUTES.upload
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export const avatarPath = (userId: string): string => `${MEDIA_ROUTES.avatar}${encodeURIComponent(userId)}`

/** Uploads `bytes` (default: a PNG signature and random bytes) as image/png; checks and returns the reply. */
export async function uploadImage(ctx: CaseContext, token: string, bytes = Buffer.concat([PNG_SIGNATURE, randomBytes(200)])): Promise<MediaUploadReply & {bytes: Buffer}> {
  const body = checkOk(await mediaRaw(ctx, 'POST', U, {body: bytes, headers: {...bearer(token), 'content-type': 'image/png'}}), `POST ${U}`)
  return {...parseMediaUploadReply(body), bytes}
}

export const mediaUploadCases: readonly CaseDefinition[] = [
  {
    id: 'media.upload-roundtrip',
    section: '16.5',
    level: 'MUST',
    requirement: 'an upload answers {ret: 0, mediaId, url, size, etag}; a GET of url gives the same bytes, type and ETag',
    async run(ctx) {
      const user = await ctx.newUser('up')
      const up = await uploadImage(ctx, user.token)
      checkEqual(up.size, up.bytes.length, `POST ${U}: size`)
      check(/^[A-Za-z0-9_-]{1,128}$/.test(up.mediaId), `POST ${U}: mediaId must be 1–128 characters of A-Za-z0-9_-, got ${JSON.stringify(up.mediaId)}`)
      checkEqual(up.url, groupUrl(ctx.mediaUrl, `${MEDIA_ROUTES.object}${up.mediaId}`).href, `POST ${U}: url`)
      const what = `GET ${up.url}`
      const got = await mediaRaw(ctx, 'GET', up.url)
      check(got.status === 200, `${what}: expected 200, got HTTP ${got.status}`)
      check(got.bytes.equals(up.bytes), `${what}: the ${got.bytes.length} bytes answered are not the ${up.bytes.length} bytes uploaded`)
      checkEqual(contentType(got).split(';')[0]!.trim().toLowerCase(), 'image/png', `${what}: Content-Type`)
      checkEqual(header(got, 'etag'), up.etag, `${what}: ETag (the upload's etag)`)
    },
  },
  {
    id: 'media.upload-type',
    section: '16.5',
    level: 'MUST',
    requirement: 'an upload whose Content-Type is not image/png, jpeg, gif or webp answers 415 IMH_ERR_MEDIA_TYPE',
    async run(ctx) {
      const user = await ctx.newUser('type')
      for (const type of ['text/plain', 'application/octet-stream']) {
        checkFail(await mediaRaw(ctx, 'POST', U, {body: Buffer.from('not an image'), headers: {...bearer(user.token), 'content-type': type}}), 'IMH_ERR_MEDIA_TYPE', `POST ${U} as ${type}`)
      }
    },
  },
  {
    id: 'media.upload-too-large',
    section: '16.5',
    level: 'MUST',
    requirement: 'an upload over the announced mediaMaxUploadBytes answers 413 IMH_ERR_MEDIA_TOO_LARGE',
    async run(ctx) {
      const user = await ctx.newUser('big')
      const limit = ctx.limits.mediaMaxUploadBytes
      const what = `POST ${U} of ${limit + 1} bytes (mediaMaxUploadBytes ${limit}${ctx.limits.announced ? '' : ', the default'})`
      checkFail(await mediaRaw(ctx, 'POST', U, {body: Buffer.alloc(limit + 1, 7), headers: {...bearer(user.token), 'content-type': 'image/jpeg'}}), 'IMH_ERR_MEDIA_TOO_LARGE', what)
    },
  },
  {
    id: 'media.upload-no-token',
    section: '16.5',
    level: 'MUST',
    requirement: 'an upload without a token, or with an unknown one, answers 401 IMH_ERR_SESSION_INVALID',
    async run(ctx) {
      const tries: [string, Record<string, string>][] = [['no Authorization header', {}], ['an unknown token', bearer('imh-no-such-token-0000')]]
      for (const [label, headers] of tries) {
        checkFail(await mediaRaw(ctx, 'POST', U, {body: PNG_SIGNATURE, headers: {...headers, 'content-type': 'image/png'}}), 'IMH_ERR_SESSION_INVALID', `POST ${U} with ${label}`)
      }
    },
  },
  {
    id: 'media.not-found',
    section: '16.7',
    level: 'MUST',
    requirement: 'an unknown media id answers 404 IMH_ERR_MEDIA_NOT_FOUND, an unknown user\'s avatar 404 IMH_ERR_UNKNOWN_USER',
    async run(ctx) {
      const media = `${MEDIA_ROUTES.object}${randomBytes(12).toString('base64url')}`
      checkFail(await mediaRaw(ctx, 'GET', media), 'IMH_ERR_MEDIA_NOT_FOUND', `GET ${media}`)
      const avatar = avatarPath(`imh-no-such-user-${randomBytes(6).toString('hex')}`)
      checkFail(await mediaRaw(ctx, 'GET', avatar), 'IMH_ERR_UNKNOWN_USER', `GET ${avatar}`)
    },
  },
  {
    id: 'media.profile-avatar',
    section: '16.6',
    level: 'MUST',
    requirement: "/profile's avatarUrl is the user's avatar on the media group, served as image/png",
    async run(ctx) {
      // ctx.mediaUrl first: a target without a media group makes the case not applicable.
      const bases = [ctx.mediaUrl, ...ctx.answer.groups.media.slice(1)]
      const user = await ctx.newUser('av')
      const profile = checkOk(await ctx.short().raw('GET', SHORT_ROUTES.profile.path, {headers: bearer(user.token)}), `GET ${SHORT_ROUTES.profile.path}`)
      const url = (profile.user as {avatarUrl?: unknown} | undefined)?.avatarUrl
      check(typeof url === 'string' && url !== '', `GET ${SHORT_ROUTES.profile.path}: a target with a media group must give every user an avatarUrl, got ${JSON.stringify(url)}`)
      check(bases.some((b) => url === groupUrl(b, avatarPath(user.userId)).href), `GET ${SHORT_ROUTES.profile.path}: avatarUrl ${url} is not <media>${avatarPath(user.userId)} on a media group address (${bases.join(', ')})`)
      const res = await mediaRaw(ctx, 'GET', url)
      check(res.status === 200, `GET ${url}: expected 200, got HTTP ${res.status}`)
      checkEqual(contentType(res).split(';')[0]!.trim().toLowerCase(), 'image/png', `GET ${url}: Content-Type`)
      check(res.bytes.subarray(0, 8).equals(PNG_SIGNATURE), `GET ${url}: the body does not start with the PNG signature`)
    },
  },
]
