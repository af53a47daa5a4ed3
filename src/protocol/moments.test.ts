import {describe, expect, it} from 'vitest'
import {isImhError} from './errors.js'
import {
  MAX_MOMENT_MEDIA, MAX_MOMENT_TEXT, checkMomentView, parseFriendAdd, parseMomentComment, parseMomentPost, parseNoticeSyncReply,
  parseTimelineQuery,
} from './moments.js'
import {parseSync} from './sync-categories.js'

function field(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (isImhError(err)) return `${err.code}:${String(err.details?.field)}`
    throw err
  }
  return undefined
}

describe('moments bodies (PROTOCOL.md §15)', () => {
  it('checks post bodies and names the field', () => {
    expect(parseMomentPost({text: 'hi', mediaIds: []})).toEqual({text: 'hi', mediaIds: []})
    expect(parseMomentPost({text: '', mediaIds: ['a']})).toEqual({text: '', mediaIds: ['a']})
    expect(field(() => parseMomentPost({text: '', mediaIds: []}))).toBe('IMH_ERR_BAD_REQUEST:text')
    expect(field(() => parseMomentPost({text: 'x'.repeat(MAX_MOMENT_TEXT + 1), mediaIds: []}))).toBe('IMH_ERR_BAD_REQUEST:text')
    expect(field(() => parseMomentPost({text: 'x', mediaIds: Array.from({length: MAX_MOMENT_MEDIA + 1}, (_, i) => `m${i}`)}))).toBe('IMH_ERR_BAD_REQUEST:mediaIds')
    expect(field(() => parseMomentPost({text: 'x', mediaIds: ['a', 'a']}))).toBe('IMH_ERR_BAD_REQUEST:mediaIds')
    expect(field(() => parseMomentPost({text: 'x', mediaIds: [3]}))).toBe('IMH_ERR_BAD_REQUEST:mediaIds')
    expect(field(() => parseMomentPost({text: 'x'}))).toBe('IMH_ERR_BAD_REQUEST:mediaIds')
  })

  it('checks friend, comment and timeline requests', () => {
    expect(field(() => parseFriendAdd({userId: ''}))).toBe('IMH_ERR_BAD_REQUEST:userId')
    expect(field(() => parseMomentComment({momentId: 'm', text: ''}))).toBe('IMH_ERR_BAD_REQUEST:text')
    expect(parseTimelineQuery(new URLSearchParams(''))).toEqual({limit: 10})
    expect(parseTimelineQuery(new URLSearchParams('cursor=t5&limit=50'))).toEqual({cursor: 't5', limit: 50})
    for (const bad of ['0', '51', '-1', '2.5', 'x']) expect(field(() => parseTimelineQuery(new URLSearchParams(`limit=${bad}`)))).toBe('IMH_ERR_BAD_REQUEST:limit')
  })

  it('reads SYNC categories and notice replies', () => {
    expect(parseSync({syncKey: {epoch: 0, seq: 0}, category: 'moments'}).category).toBe('moments')
    expect(field(() => parseSync({syncKey: {epoch: 0, seq: 0}, category: 'x'}))).toBe('IMH_ERR_BAD_BODY:category')
    const r = parseNoticeSyncReply({syncKey: {epoch: 1, seq: 1}, notices: [{seq: 1, kind: 'like', momentId: 'm', from: 'u', sendTime: 1}], continue: false})
    expect(r.notices).toHaveLength(1)
    expect(field(() => parseNoticeSyncReply({syncKey: {epoch: 1, seq: 1}, notices: [{seq: 1, kind: 'poke', momentId: 'm', from: 'u', sendTime: 1}], continue: false}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:kind')
    expect(field(() => checkMomentView({momentId: 'm', author: {userId: 'u', nickname: 'n', avatarUrl: ''}, text: '', media: [], createTime: 1, likes: [1], comments: []}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:likes')
  })
})
