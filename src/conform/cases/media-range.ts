import {MEDIA_ROUTES} from '../../protocol/index.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {checkFail} from './http-expect.js'
import {checkPartial, fullDownload, header, mediaRaw} from './media-util.js'

const D = MEDIA_ROUTES.download

/** A Range case: `range` builds the header from the object's size, `[first, last]` what it must select. */
function rangeCase(id: string, requirement: string, range: (size: number) => string, selects: (size: number) => [number, number]): CaseDefinition {
  return {
    id,
    section: '16.2',
    level: 'MUST',
    requirement,
    async run(ctx) {
      const {res: full, size} = await fullDownload(ctx)
      const value = range(size)
      const [first, last] = selects(size)
      checkPartial(await mediaRaw(ctx, 'GET', D, {headers: {range: value}}), full.bytes, first, last, `GET ${D} with Range: ${value}`)
    },
  }
}

export const mediaRangeCases: readonly CaseDefinition[] = [
  rangeCase('media.range', 'Range: bytes=a-b answers 206 with Content-Range bytes a-b/size and exactly those bytes of the full body',
    (size) => `bytes=${Math.floor(size / 3)}-${Math.floor(size / 3) + Math.min(999, size - Math.floor(size / 3) - 1)}`,
    (size) => [Math.floor(size / 3), Math.floor(size / 3) + Math.min(999, size - Math.floor(size / 3) - 1)]),
  rangeCase('media.range-suffix', 'Range: bytes=-n answers 206 with the last n bytes',
    (size) => `bytes=-${Math.min(500, size)}`, (size) => [size - Math.min(500, size), size - 1]),
  rangeCase('media.range-open', 'Range: bytes=a- answers 206 with bytes a to the end',
    (size) => `bytes=${Math.max(0, size - 700)}-`, (size) => [Math.max(0, size - 700), size - 1]),
  rangeCase('media.range-clamp', 'Range: bytes=a-b with b past the end answers 206 with the end clamped to size-1',
    (size) => `bytes=${Math.max(0, size - 300)}-${size + 100_000}`, (size) => [Math.max(0, size - 300), size - 1]),
  {
    id: 'media.range-unsatisfiable',
    section: '16.2',
    level: 'MUST',
    requirement: 'a Range starting at or past the end answers 416 with Content-Range: bytes */size and IMH_ERR_RANGE_NOT_SATISFIABLE',
    async run(ctx) {
      const {size} = await fullDownload(ctx)
      for (const value of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`]) {
        const what = `GET ${D} with Range: ${value}`
        const res = await mediaRaw(ctx, 'GET', D, {headers: {range: value}})
        checkFail(res, 'IMH_ERR_RANGE_NOT_SATISFIABLE', what)
        checkEqual(header(res, 'content-range'), `bytes */${size}`, `${what}: Content-Range of the 416`)
      }
    },
  },
  {
    id: 'media.range-ignored',
    section: '16.2',
    level: 'MUST',
    requirement: 'a Range asking for several ranges, or one that does not parse, is ignored: the answer is the full 200',
    async run(ctx) {
      const {res: full, size} = await fullDownload(ctx)
      for (const value of ['bytes=0-1,5-6', 'bytes=5-3', 'items=0-1']) {
        const what = `GET ${D} with Range: ${value}`
        const res = await mediaRaw(ctx, 'GET', D, {headers: {range: value}})
        check(res.status === 200, `${what}: expected the full 200 (the Range must be ignored), got HTTP ${res.status}`)
        check(res.bytes.equals(full.bytes), `${what}: the 200 body is not the full object (${res.bytes.length} of ${size} bytes)`)
      }
    },
  },
  {
    id: 'media.if-range',
    section: '16.2',
    level: 'MUST',
    requirement: 'If-Range with the current ETag keeps the Range (206); with another ETag the answer is the full 200',
    async run(ctx) {
      const {res: full, size, etag} = await fullDownload(ctx)
      const matching = await mediaRaw(ctx, 'GET', D, {headers: {'range': 'bytes=0-9', 'if-range': etag}})
      checkPartial(matching, full.bytes, 0, Math.min(9, size - 1), `GET ${D} with Range: bytes=0-9 and If-Range: ${etag} (the current ETag)`)
      const stale = '"imh-not-the-current-etag"'
      const what = `GET ${D} with Range: bytes=0-9 and If-Range: ${stale}`
      const res = await mediaRaw(ctx, 'GET', D, {headers: {'range': 'bytes=0-9', 'if-range': stale}})
      check(res.status === 200, `${what}: expected the full 200 (the object is not the one the client has part of), got HTTP ${res.status}`)
      check(res.bytes.equals(full.bytes), `${what}: the 200 body is not the full object (${res.bytes.length} of ${size} bytes)`)
    },
  },
]
