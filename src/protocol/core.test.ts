import {describe, expect, it} from 'vitest'
import {type ErrorCode, isImhError} from './errors.js'
import {MAX_CLIENT_MSG_ID_LENGTH, parseSendMsg, parseSendMsgReply, parseSyncReply} from './chat.js'
import {parseAuth, parseAuthReply, parseErrorReply} from './session.js'
import {parseSync} from './sync-categories.js'
import {parseSchedulerAnswer} from './scheduler.js'
import {httpStatusForRet, MAX_PASSWORD_LENGTH, parseCredentials} from './short.js'
import {thrown} from '../../test/support/thrown.js'

/** Asserts fn throws `code`, and when `field` is given, that err.details.field names it. */
function expectRejects(fn: () => unknown, code: ErrorCode, field?: string): void {
  const err = thrown(fn)
  expect(isImhError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
  if (field !== undefined && isImhError(err)) expect(err.details?.field).toBe(field)
}

const without = (obj: Record<string, unknown>, key: string) => {
  const copy = {...obj}
  delete copy[key]
  return copy
}

describe('parseAuth', () => {
  it('accepts a token', () => {
    expect(parseAuth({token: 'abc'})).toEqual({token: 'abc'})
  })

  it('ignores unknown extra fields', () => {
    expect(parseAuth({token: 'abc', extra: 1}).token).toBe('abc')
  })

  it('rejects a missing, wrong-typed or empty token', () => {
    expectRejects(() => parseAuth({}), 'IMH_ERR_BAD_BODY', 'token')
    expectRejects(() => parseAuth({token: 5}), 'IMH_ERR_BAD_BODY', 'token')
    expectRejects(() => parseAuth({token: null}), 'IMH_ERR_BAD_BODY', 'token')
    expectRejects(() => parseAuth({token: ''}), 'IMH_ERR_BAD_BODY', 'token')
  })

  it('rejects a body that is not an object', () => {
    for (const v of [null, [], 'token', 3, undefined]) expectRejects(() => parseAuth(v), 'IMH_ERR_BAD_BODY')
  })
})

describe('parseSendMsg', () => {
  const good = {clientMsgId: 'c-1', to: 'u2', type: 'text', content: 'hello'}

  it('accepts a valid message', () => {
    expect(parseSendMsg({...good})).toEqual(good)
  })

  it.each(['clientMsgId', 'to', 'type', 'content'])('rejects a missing %s', (field) => {
    expectRejects(() => parseSendMsg(without(good, field)), 'IMH_ERR_BAD_BODY', field)
  })

  it.each(['clientMsgId', 'to', 'type', 'content'])('rejects a non-string %s', (field) => {
    expectRejects(() => parseSendMsg({...good, [field]: 42}), 'IMH_ERR_BAD_BODY', field)
    expectRejects(() => parseSendMsg({...good, [field]: {}}), 'IMH_ERR_BAD_BODY', field)
  })

  it('bounds clientMsgId to 1..128 characters', () => {
    expect(MAX_CLIENT_MSG_ID_LENGTH).toBe(128)
    expect(parseSendMsg({...good, clientMsgId: 'x'}).clientMsgId).toBe('x')
    expect(parseSendMsg({...good, clientMsgId: 'x'.repeat(128)}).clientMsgId).toHaveLength(128)
    expectRejects(() => parseSendMsg({...good, clientMsgId: ''}), 'IMH_ERR_BAD_BODY', 'clientMsgId')
    expectRejects(() => parseSendMsg({...good, clientMsgId: 'x'.repeat(129)}), 'IMH_ERR_BAD_BODY', 'clientMsgId')
  })

  it('rejects an unknown message type', () => {
    expectRejects(() => parseSendMsg({...good, type: 'image'}), 'IMH_ERR_BAD_BODY', 'type')
    expectRejects(() => parseSendMsg({...good, type: 'TEXT'}), 'IMH_ERR_BAD_BODY', 'type')
    expectRejects(() => parseSendMsg({...good, type: ''}), 'IMH_ERR_BAD_BODY', 'type')
  })

  it('rejects a body that is not an object', () => {
    expectRejects(() => parseSendMsg([good]), 'IMH_ERR_BAD_BODY')
  })
})

describe('parseSync', () => {
  it('accepts a sync key with and without limit', () => {
    expect(parseSync({syncKey: {epoch: 1, seq: 0}})).toEqual({syncKey: {epoch: 1, seq: 0}})
    expect(parseSync({syncKey: {epoch: 0, seq: 5}, limit: 10}).limit).toBe(10)
  })

  it('rejects a missing or non-object syncKey', () => {
    expectRejects(() => parseSync({}), 'IMH_ERR_BAD_BODY', 'syncKey')
    expectRejects(() => parseSync({syncKey: 3}), 'IMH_ERR_BAD_BODY', 'syncKey')
    expectRejects(() => parseSync({syncKey: null}), 'IMH_ERR_BAD_BODY', 'syncKey')
    expectRejects(() => parseSync({syncKey: [1, 2]}), 'IMH_ERR_BAD_BODY', 'syncKey')
  })

  it('rejects a bad epoch or seq inside syncKey', () => {
    expectRejects(() => parseSync({syncKey: {seq: 0}}), 'IMH_ERR_BAD_BODY', 'epoch')
    expectRejects(() => parseSync({syncKey: {epoch: -1, seq: 0}}), 'IMH_ERR_BAD_BODY', 'epoch')
    expectRejects(() => parseSync({syncKey: {epoch: '1', seq: 0}}), 'IMH_ERR_BAD_BODY', 'epoch')
    expectRejects(() => parseSync({syncKey: {epoch: 1}}), 'IMH_ERR_BAD_BODY', 'seq')
    expectRejects(() => parseSync({syncKey: {epoch: 1, seq: 1.5}}), 'IMH_ERR_BAD_BODY', 'seq')
    expectRejects(() => parseSync({syncKey: {epoch: 1, seq: Number.MAX_SAFE_INTEGER + 1}}), 'IMH_ERR_BAD_BODY', 'seq')
  })

  it('rejects a limit that is not a non-negative integer', () => {
    for (const limit of [-1, 2.5, '10', null]) {
      expectRejects(() => parseSync({syncKey: {epoch: 1, seq: 0}, limit}), 'IMH_ERR_BAD_BODY', 'limit')
    }
  })
})

describe('reply parsers', () => {
  const message = {seq: 1, serverMsgId: 's1', from: 'u1', to: 'u2', clientMsgId: 'c1', type: 'text', content: 'hi', sendTime: 1700000000000}
  const syncReply = {syncKey: {epoch: 1, seq: 1}, messages: [message], continue: false}

  it('parseSyncReply accepts a valid reply, with and without resync', () => {
    expect(parseSyncReply(syncReply)).toEqual(syncReply)
    expect(parseSyncReply({...syncReply, messages: [], resync: true}).resync).toBe(true)
  })

  it('parseSyncReply rejects off-spec replies with IMH_ERR_PROTOCOL_VIOLATION', () => {
    const V = 'IMH_ERR_PROTOCOL_VIOLATION'
    expectRejects(() => parseSyncReply(null), V)
    expectRejects(() => parseSyncReply(without(syncReply, 'syncKey')), V, 'syncKey')
    expectRejects(() => parseSyncReply(without(syncReply, 'messages')), V, 'messages')
    expectRejects(() => parseSyncReply({...syncReply, messages: {}}), V, 'messages')
    expectRejects(() => parseSyncReply(without(syncReply, 'continue')), V, 'continue')
    expectRejects(() => parseSyncReply({...syncReply, continue: 'false'}), V, 'continue')
    expectRejects(() => parseSyncReply({...syncReply, resync: 1}), V, 'resync')
    expectRejects(() => parseSyncReply({...syncReply, syncKey: {epoch: 1}}), V, 'seq')
    expectRejects(() => parseSyncReply({...syncReply, messages: [without(message, 'serverMsgId')]}), V, 'serverMsgId')
    expectRejects(() => parseSyncReply({...syncReply, messages: [{...message, seq: -1}]}), V, 'seq')
    expectRejects(() => parseSyncReply({...syncReply, messages: [message, 'not a message']}), V)
  })

  it('parseSendMsgReply accepts a valid reply and rejects off-spec ones', () => {
    const good = {serverMsgId: 's1', seq: 3, sendTime: 1700000000000}
    expect(parseSendMsgReply(good)).toEqual(good)
    const V = 'IMH_ERR_PROTOCOL_VIOLATION'
    expectRejects(() => parseSendMsgReply(without(good, 'serverMsgId')), V, 'serverMsgId')
    expectRejects(() => parseSendMsgReply({...good, seq: -3}), V, 'seq')
    expectRejects(() => parseSendMsgReply({...good, seq: '3'}), V, 'seq')
    expectRejects(() => parseSendMsgReply({...good, sendTime: Number.NaN}), V, 'sendTime')
    expectRejects(() => parseSendMsgReply({...good, sendTime: Number.POSITIVE_INFINITY}), V, 'sendTime')
    expectRejects(() => parseSendMsgReply('ok'), V)
  })

  it('parseAuthReply and parseErrorReply check their fields', () => {
    expect(parseAuthReply({userId: 'u1', serverTime: 1, heartbeatIntervalMs: 30000, idleTimeoutMs: 90000}).userId).toBe('u1')
    expectRejects(() => parseAuthReply({userId: 'u1', serverTime: 1, heartbeatIntervalMs: -1, idleTimeoutMs: 1}), 'IMH_ERR_PROTOCOL_VIOLATION', 'heartbeatIntervalMs')
    expect(parseErrorReply({ret: 400, code: 'IMH_ERR_BAD_BODY', errMsg: 'x'}).ret).toBe(400)
    expectRejects(() => parseErrorReply({ret: 400, code: 'IMH_ERR_BAD_BODY'}), 'IMH_ERR_PROTOCOL_VIOLATION', 'errMsg')
  })
})

describe('parseSchedulerAnswer', () => {
  const answer = () => ({
    ret: 0,
    ttl: 60,
    clientIp: '127.0.0.1',
    groups: {
      long: ['ws://127.0.0.1:8081/long'],
      short: ['http://127.0.0.1:8080'],
      relay: [],
      media: [],
      qr: ['https://qr.example.com'],
    },
    fallback: {long: ['ws://10.0.0.1:8081/long']},
    limits: {maxBodyBytes: 1048576},
  })

  it('accepts a good answer', () => {
    const a = answer()
    expect(parseSchedulerAnswer(a)).toEqual(a)
  })

  it('accepts an answer without limits and with an empty fallback', () => {
    const {limits: _limits, ...rest} = answer()
    expect(parseSchedulerAnswer({...rest, fallback: {}}).ttl).toBe(60)
  })

  it('rejects missing groups', () => {
    expectRejects(() => parseSchedulerAnswer(without(answer(), 'groups')), 'IMH_ERR_PROTOCOL_VIOLATION', 'groups')
  })

  it('rejects a groups object that lacks a group', () => {
    const a = answer()
    delete (a.groups as Partial<typeof a.groups>).media
    expectRejects(() => parseSchedulerAnswer(a), 'IMH_ERR_PROTOCOL_VIOLATION')
  })

  it('rejects a group that is not an array of strings', () => {
    expectRejects(() => parseSchedulerAnswer({...answer(), groups: {...answer().groups, long: 'ws://x'}}), 'IMH_ERR_PROTOCOL_VIOLATION')
    expectRejects(() => parseSchedulerAnswer({...answer(), groups: {...answer().groups, long: [1]}}), 'IMH_ERR_PROTOCOL_VIOLATION')
  })

  it('rejects non-URL addresses in groups and in fallback', () => {
    for (const addr of ['not a url', '/relative/path', '', '10.0.0.1:8080']) {
      expectRejects(() => parseSchedulerAnswer({...answer(), groups: {...answer().groups, short: [addr]}}), 'IMH_ERR_PROTOCOL_VIOLATION')
      expectRejects(() => parseSchedulerAnswer({...answer(), fallback: {long: [addr]}}), 'IMH_ERR_PROTOCOL_VIOLATION')
    }
  })

  it('rejects an address whose scheme does not fit its group', () => {
    for (const [group, addr] of [['long', 'http://127.0.0.1:1/long'], ['short', 'ws://127.0.0.1:1'], ['short', 'javascript:alert(1)'], ['relay', 'http://127.0.0.1:3478'], ['long', 'localhost:8081']] as const) {
      expectRejects(() => parseSchedulerAnswer({...answer(), groups: {...answer().groups, [group]: [addr]}}), 'IMH_ERR_PROTOCOL_VIOLATION')
    }
    expect(parseSchedulerAnswer({...answer(), groups: {...answer().groups, relay: ['udp://127.0.0.1:3478']}}).groups.relay).toEqual(['udp://127.0.0.1:3478'])
  })

  it('rejects ret other than 0', () => {
    expectRejects(() => parseSchedulerAnswer({...answer(), ret: 1}), 'IMH_ERR_PROTOCOL_VIOLATION')
    expectRejects(() => parseSchedulerAnswer({...answer(), ret: 500}), 'IMH_ERR_PROTOCOL_VIOLATION')
    expectRejects(() => parseSchedulerAnswer({...answer(), ret: '0'}), 'IMH_ERR_PROTOCOL_VIOLATION', 'ret')
  })

  it('rejects a bad ttl, clientIp or fallback', () => {
    expectRejects(() => parseSchedulerAnswer({...answer(), ttl: -1}), 'IMH_ERR_PROTOCOL_VIOLATION', 'ttl')
    expectRejects(() => parseSchedulerAnswer(without(answer(), 'clientIp')), 'IMH_ERR_PROTOCOL_VIOLATION', 'clientIp')
    expectRejects(() => parseSchedulerAnswer(without(answer(), 'fallback')), 'IMH_ERR_PROTOCOL_VIOLATION', 'fallback')
    expectRejects(() => parseSchedulerAnswer({...answer(), limits: []}), 'IMH_ERR_PROTOCOL_VIOLATION', 'limits')
  })
})

describe('parseCredentials', () => {
  it('accepts a valid username and password', () => {
    expect(parseCredentials({username: 'alice_01.B-x', password: 'pw'})).toEqual({username: 'alice_01.B-x', password: 'pw'})
    expect(parseCredentials({username: 'a'.repeat(64), password: 'p'}).username).toHaveLength(64)
  })

  it('rejects usernames outside the pattern', () => {
    for (const username of ['', 'a'.repeat(65), 'has space', 'ümlaut', 'a/b', 'a@b', 'tab\t']) {
      expectRejects(() => parseCredentials({username, password: 'pw'}), 'IMH_ERR_BAD_REQUEST', 'username')
    }
  })

  it('rejects a username with a trailing newline', () => {
    expectRejects(() => parseCredentials({username: 'alice\n', password: 'pw'}), 'IMH_ERR_BAD_REQUEST', 'username')
  })

  it('bounds the password to 1..128 characters', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(128)
    expect(parseCredentials({username: 'a', password: 'p'.repeat(128)}).password).toHaveLength(128)
    expectRejects(() => parseCredentials({username: 'a', password: ''}), 'IMH_ERR_BAD_REQUEST', 'password')
    expectRejects(() => parseCredentials({username: 'a', password: 'p'.repeat(129)}), 'IMH_ERR_BAD_REQUEST', 'password')
  })

  it('rejects missing or non-string fields', () => {
    expectRejects(() => parseCredentials({password: 'pw'}), 'IMH_ERR_BAD_REQUEST', 'username')
    expectRejects(() => parseCredentials({username: 'a'}), 'IMH_ERR_BAD_REQUEST', 'password')
    expectRejects(() => parseCredentials({username: 1, password: 'pw'}), 'IMH_ERR_BAD_REQUEST', 'username')
    expectRejects(() => parseCredentials({username: 'a', password: 1}), 'IMH_ERR_BAD_REQUEST', 'password')
    expectRejects(() => parseCredentials(null), 'IMH_ERR_BAD_REQUEST')
  })
})

describe('httpStatusForRet', () => {
  it.each([
    [0, 200],
    [1100, 401],
    [1101, 401],
    [1102, 401],
    [400, 400],
    [401, 401],
    [404, 404],
    [409, 409],
    [413, 413],
    [415, 415],
    [500, 500],
    [503, 503],
    [7, 500],
    [-1, 500],
    [1200, 500],
  ])('ret %i → HTTP %i', (ret, status) => {
    expect(httpStatusForRet(ret)).toBe(status)
  })
})
