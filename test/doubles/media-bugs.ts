import {MEDIA_ROUTES} from '../../src/protocol/index.js'
import type {MediaAnswer, MediaRequest, MediaTamper} from './media-proxy.js'

// One planted bug each, in front of the reference media group (PROTOCOL.md §16).

const without = (req: MediaRequest, ...names: string[]): MediaRequest => ({...req, headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !names.includes(k)))})
const json = (status: number, body: unknown): MediaAnswer => ({status, headers: {'content-type': 'application/json'}, body: Buffer.from(JSON.stringify(body))})
const fakeUpload = json(200, {ret: 0, mediaId: 'fake', url: 'http://127.0.0.1:9/media/fake', size: 1, etag: '"fake"'})
const isUpload = (req: MediaRequest) => req.url.pathname === MEDIA_ROUTES.upload

/** Serves every Range request as if it had none. */
export const rangeIgnored: MediaTamper = (req, forward) => forward(without(req, 'range'))

/** Content-Range one byte off where the body really starts. */
export const wrongContentRange: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(a.headers['content-range'] ?? '')
  if (a.status === 206 && m) a.headers['content-range'] = `bytes ${Number(m[1]) + 1}-${m[2]}/${m[3]}`
  return a
}

/** Never answers 304: the conditional headers are dropped. */
export const never304: MediaTamper = (req, forward) => forward(without(req, 'if-none-match', 'if-modified-since'))

/** Any If-None-Match at all is taken for a match. */
export const always304: MediaTamper = async (req, forward) => {
  if (req.headers['if-none-match'] === undefined) return forward(req)
  const a = await forward(without(req, 'if-none-match', 'range'))
  return {status: 304, headers: {'etag': a.headers.etag ?? '', 'cache-control': a.headers['cache-control'] ?? ''}, body: Buffer.alloc(0)}
}

/** 416 without Content-Range: bytes *\/size. */
export const noContentRange416: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  if (a.status === 416) delete a.headers['content-range']
  return a
}

/** Several ranges are answered 416 instead of the full object. */
export const multiRange416: MediaTamper = async (req, forward) =>
  (req.headers.range?.includes(',') ? {status: 416, headers: {'content-type': 'application/json'}, body: Buffer.from('{"ret":416,"code":"IMH_ERR_RANGE_NOT_SATISFIABLE","errMsg":"multi"}')} : forward(req))

/** If-Range is ignored, so a stale client gets a range of the new object spliced onto the old. */
export const ifRangeIgnored: MediaTamper = (req, forward) => forward(without(req, 'if-range'))

/** No validators or Cache-Control on any answer. */
export const noValidators: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  for (const h of ['etag', 'last-modified', 'cache-control']) delete a.headers[h]
  return a
}

/** HEAD answers lack the ETag GET has. */
export const headWithoutEtag: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  if (req.method === 'HEAD') delete a.headers.etag
  return a
}

/** Any upload type is accepted (the type is rewritten to image/png). */
export const uploadTypeUnchecked: MediaTamper = (req, forward) => forward(isUpload(req) ? {...req, headers: {...req.headers, 'content-type': 'image/png'}} : req)

/** Uploads over 64 KiB are "stored" instead of refused. */
export const sizeUnchecked: MediaTamper = async (req, forward) => (isUpload(req) && req.body.length > 64 * 1024 && req.headers.authorization ? fakeUpload : forward(req))

/** Uploads without a token are accepted. */
export const tokenUnchecked: MediaTamper = async (req, forward) => (isUpload(req) && !req.headers.authorization ? fakeUpload : forward(req))

/** Uploaded objects come back with their first byte changed. */
export const corruptUploads: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  if (req.url.pathname.startsWith(MEDIA_ROUTES.object) && !isUpload(req) && a.status === 200 && a.body.length > 0) a.body[0] = a.body[0]! ^ 0xff
  return a
}

/** Unknown objects and users answer with the generic not-found code. */
export const genericNotFound: MediaTamper = async (req, forward) => {
  const a = await forward(req)
  if (a.status === 404) return json(404, {ret: 404, code: 'IMH_ERR_NOT_FOUND', errMsg: 'not found'})
  return a
}
