import {describe, expect, it} from 'vitest'
import {CMD, commandOf, replyParser} from './commands.js'
import {type ErrorCode, isImhError} from './errors.js'
import {defineSyncCategory} from './flow-contract.js'
import {CHAT_SYNC_CATEGORY} from './chat.js'
import {checkShape} from './shape.js'
import {parseSyncCategory, parseSyncNotify, parseSyncPage, syncCategory} from './sync-categories.js'
import {checkSyncNotify, checkSyncPage, checkSyncReply, checkSyncRequest} from './sync.js'

/** A category no flow declares yet: SYNC needs nothing but its declaration. */
const PAYMENTS = defineSyncCategory({
  name: 'payments', itemsField: 'payments', item: (v) => checkShape<{seq: number; amount: number}>(v, {seq: 'uint', amount: 'uint'}, 'IMH_ERR_PROTOCOL_VIOLATION', 'payment'),
  itemEvent: 'payment', notifyEvent: 'payments-notify', section: '17',
})
const CATEGORIES = [CHAT_SYNC_CATEGORY, PAYMENTS]
const KEY = {epoch: 1, seq: 2}

function code(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    return isImhError(err) ? `${err.code}:${String(err.details?.field)}` : String(err)
  }
}
const rejects = (c: ErrorCode, field: string) => `${c}:${field}`

describe('SYNC over declared categories (PROTOCOL.md §6)', () => {
  it('accepts a request naming a declared category or none, and refuses any other', () => {
    expect(checkSyncRequest({syncKey: KEY, category: 'payments'}, CATEGORIES).category).toBe('payments')
    expect(checkSyncRequest({syncKey: KEY}, CATEGORIES)).toEqual({syncKey: KEY})
    expect(code(() => checkSyncRequest({syncKey: KEY, category: 'moments'}, CATEGORIES))).toBe(rejects('IMH_ERR_BAD_BODY', 'category'))
    expect(code(() => checkSyncRequest({syncKey: KEY, category: 7}, CATEGORIES))).toBe(rejects('IMH_ERR_BAD_BODY', 'category'))
  })

  it('checks a page under its own field, each entry with the category\'s parser', () => {
    const page = {syncKey: KEY, payments: [{seq: 2, amount: 5}], continue: false}
    expect(checkSyncPage(page, PAYMENTS).payments).toEqual([{seq: 2, amount: 5}])
    expect(code(() => checkSyncPage({syncKey: KEY, messages: [], continue: false}, PAYMENTS))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'payments'))
    expect(code(() => checkSyncPage({...page, payments: [{seq: 2}]}, PAYMENTS))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'amount'))
    expect(code(() => checkSyncPage({...page, syncKey: {epoch: 1}}, PAYMENTS))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'seq'))
  })

  it('reads a reply without knowing what was asked by the field it carries, else as chat', () => {
    expect(checkSyncReply({syncKey: KEY, payments: [], continue: false}, CATEGORIES)).toEqual({syncKey: KEY, payments: [], continue: false})
    expect(checkSyncReply({syncKey: KEY, messages: [], continue: true}, CATEGORIES)).toEqual({syncKey: KEY, messages: [], continue: true})
    expect(code(() => checkSyncReply({syncKey: KEY, continue: true}, CATEGORIES))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'messages'))
  })

  it('reads a notify body: empty is the default category, {category} another', () => {
    expect(checkSyncNotify({}, CATEGORIES)).toEqual({category: 'chat'})
    expect(checkSyncNotify({category: 'payments'}, CATEGORIES)).toEqual({category: 'payments'})
    expect(code(() => checkSyncNotify({category: 'nope'}, CATEGORIES))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'category'))
  })
})

describe('SYNC bound to the declared flows', () => {
  it('knows the categories the flows declare', () => {
    expect(syncCategory('chat')).toBe(CHAT_SYNC_CATEGORY)
    expect(syncCategory('moments')?.itemsField).toBe('notices')
    expect(syncCategory('nope')).toBeUndefined()
    expect(parseSyncCategory(undefined, 'IMH_ERR_BAD_BODY', 'SYNC')).toBe('chat')
    expect(code(() => parseSyncCategory('nope', 'IMH_ERR_BAD_BODY', 'SYNC'))).toBe(rejects('IMH_ERR_BAD_BODY', 'category'))
    expect(parseSyncNotify({category: 'moments'})).toEqual({category: 'moments'})
  })

  it('checks a page as the category asked for', () => {
    const notice = {seq: 1, kind: 'like', momentId: 'm', from: 'u', sendTime: 1}
    expect(parseSyncPage('moments', {syncKey: KEY, notices: [notice], continue: false}).notices).toEqual([notice])
    expect(code(() => parseSyncPage('moments', {syncKey: KEY, messages: [], continue: false}))).toBe(rejects('IMH_ERR_PROTOCOL_VIOLATION', 'notices'))
  })

  it('gives the SYNC and SYNC_NOTIFY parsers the declared categories', () => {
    expect(commandOf(CMD.SYNC)?.parseBody?.({syncKey: KEY, category: 'moments'})).toEqual({syncKey: KEY, category: 'moments'})
    expect(replyParser(CMD.SYNC)?.({syncKey: KEY, notices: [], continue: false})).toEqual({syncKey: KEY, notices: [], continue: false})
    expect(commandOf(CMD.SYNC_NOTIFY)?.parseBody?.({})).toEqual({category: 'chat'})
  })
})
