import {describe, expect, it} from 'vitest'
import {gameBytes, ifNoneMatchMatches, ifRangeMatches, notModifiedSince, parseContentRange, parseEtagList, parseMediaUploadReply, parseRange, planMediaResponse} from './media.js'

describe('parseRange', () => {
  it('reads the three single-range forms and clamps the end', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({kind: 'range', start: 0, end: 9})
    expect(parseRange('bytes=90-', 100)).toEqual({kind: 'range', start: 90, end: 99})
    expect(parseRange('bytes=-10', 100)).toEqual({kind: 'range', start: 90, end: 99})
    expect(parseRange('bytes=-500', 100)).toEqual({kind: 'range', start: 0, end: 99})
    expect(parseRange('bytes=50-1000', 100)).toEqual({kind: 'range', start: 50, end: 99})
    expect(parseRange('Bytes = 1 - 2', 100)).toEqual({kind: 'range', start: 1, end: 2})
  })
  it('calls a start at or past the end, and -0, unsatisfiable', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({kind: 'unsatisfiable'})
    expect(parseRange('bytes=100-200', 100)).toEqual({kind: 'unsatisfiable'})
    expect(parseRange('bytes=-0', 100)).toEqual({kind: 'unsatisfiable'})
  })
  it('ignores malformed, other units and several ranges', () => {
    for (const h of [undefined, 'bytes=', 'bytes=-', 'bytes=5-3', 'items=0-1', 'bytes=0-1,5-6', 'bytes=a-b', 'bytes=1.5-2']) {
      expect(parseRange(h, 100)).toEqual({kind: 'none'})
    }
  })
})

describe('validators', () => {
  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 0-9/100')).toEqual({start: 0, end: 9, size: 100})
    expect(parseContentRange('bytes */100')).toEqual({size: 100})
    expect(parseContentRange('bytes 9-0/100')).toBeUndefined()
    expect(parseContentRange('bytes 0-100/100')).toBeUndefined()
    expect(parseContentRange(undefined)).toBeUndefined()
  })
  it('matches If-None-Match weakly, with lists and *', () => {
    expect(parseEtagList('"a", W/"b,c" ,"d"')).toEqual(['"a"', 'W/"b,c"', '"d"'])
    expect(ifNoneMatchMatches('"x"', '"x"')).toBe(true)
    expect(ifNoneMatchMatches('W/"x"', '"x"')).toBe(true)
    expect(ifNoneMatchMatches('"y", "x"', 'W/"x"')).toBe(true)
    expect(ifNoneMatchMatches('*', '"x"')).toBe(true)
    expect(ifNoneMatchMatches('"y"', '"x"')).toBe(false)
    expect(ifNoneMatchMatches(undefined, '"x"')).toBe(false)
  })
  it('matches If-Range strongly or by exact date', () => {
    const lm = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT')
    expect(ifRangeMatches('"x"', '"x"', lm)).toBe(true)
    expect(ifRangeMatches('W/"x"', '"x"', lm)).toBe(false)
    expect(ifRangeMatches('"x"', 'W/"x"', lm)).toBe(false)
    expect(ifRangeMatches('"y"', '"x"', lm)).toBe(false)
    expect(ifRangeMatches(new Date(lm).toUTCString(), '"x"', lm)).toBe(true)
    expect(ifRangeMatches(new Date(lm + 1000).toUTCString(), '"x"', lm)).toBe(false)
  })
  it('reads If-Modified-Since', () => {
    const lm = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT')
    expect(notModifiedSince(new Date(lm).toUTCString(), lm + 300)).toBe(true)
    expect(notModifiedSince(new Date(lm - 1000).toUTCString(), lm)).toBe(false)
    expect(notModifiedSince('garbage', lm)).toBe(false)
  })
})

describe('planMediaResponse', () => {
  const v = {etag: '"e"', lastModifiedMs: Date.parse('Sat, 21 Nov 2026 10:00:00 GMT'), size: 100}
  const date = new Date(v.lastModifiedMs).toUTCString()
  it('answers 304 before looking at Range, If-None-Match over If-Modified-Since', () => {
    expect(planMediaResponse({method: 'GET', ifNoneMatch: '"e"', range: 'bytes=0-1'}, v)).toEqual({status: 304})
    expect(planMediaResponse({method: 'GET', ifModifiedSince: date}, v)).toEqual({status: 304})
    expect(planMediaResponse({method: 'GET', ifNoneMatch: '"z"', ifModifiedSince: date}, v)).toEqual({status: 200, start: 0, end: 99})
  })
  it('serves ranges to GET only, and only when If-Range matches', () => {
    expect(planMediaResponse({method: 'GET', range: 'bytes=10-19'}, v)).toEqual({status: 206, start: 10, end: 19})
    expect(planMediaResponse({method: 'HEAD', range: 'bytes=10-19'}, v)).toEqual({status: 200, start: 0, end: 99})
    expect(planMediaResponse({method: 'GET', range: 'bytes=10-19', ifRange: '"e"'}, v)).toEqual({status: 206, start: 10, end: 19})
    expect(planMediaResponse({method: 'GET', range: 'bytes=10-19', ifRange: '"old"'}, v)).toEqual({status: 200, start: 0, end: 99})
    expect(planMediaResponse({method: 'GET', range: 'bytes=100-'}, v)).toEqual({status: 416})
  })
})

describe('gameBytes and the upload reply', () => {
  it('generates the same bytes for any split', () => {
    const whole = gameBytes(0, 300_000)
    expect(Buffer.compare(gameBytes(123_456, 100_000), whole.subarray(123_456, 223_456))).toBe(0)
    expect(Buffer.compare(gameBytes(0, 1000), gameBytes(65536, 1000))).not.toBe(0)
  })
  it('checks the upload reply', () => {
    expect(parseMediaUploadReply({ret: 0, mediaId: 'm', url: 'http://x/media/m', size: 3, etag: '"e"'}).size).toBe(3)
    expect(() => parseMediaUploadReply({ret: 0, mediaId: 'm'})).toThrow(/url/)
  })
})
