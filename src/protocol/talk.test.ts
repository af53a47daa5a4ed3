import {describe, expect, it} from 'vitest'
import {CMD, cmdName, commandOf, replyParser} from './commands.js'
import {isImhError} from './errors.js'
import {
  parseTalkEnded, parseTalkHangup, parseTalkInvite, parseTalkInviteReply, parseTalkJoin, parseTalkJoinReply, parseTalkRing,
} from './talk.js'

const TOKEN = '0123456789abcdef0123456789abcdef'

function code(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    return isImhError(err) ? err.code : String(err)
  }
}

describe('talk shapes (PROTOCOL.md §11.2)', () => {
  it('names the talk commands in the 100–199 range', () => {
    for (const name of ['TALK_INVITE', 'TALK_RING', 'TALK_JOIN', 'TALK_JOINED', 'TALK_HANGUP', 'TALK_ENDED'] as const) {
      expect(CMD[name]).toBeGreaterThanOrEqual(100)
      expect(CMD[name]).toBeLessThan(200)
      expect(cmdName(CMD[name])).toBe(name)
    }
  })

  it('checks requests with IMH_ERR_BAD_BODY', () => {
    expect(parseTalkInvite({callee: 'u1'})).toEqual({callee: 'u1'})
    expect(code(() => parseTalkInvite({callee: ''}))).toBe('IMH_ERR_BAD_BODY')
    expect(code(() => parseTalkInvite({}))).toBe('IMH_ERR_BAD_BODY')
    expect(parseTalkJoin({callId: 'c'})).toEqual({callId: 'c'})
    expect(code(() => parseTalkJoin({callId: 1}))).toBe('IMH_ERR_BAD_BODY')
    expect(code(() => parseTalkHangup({callId: 'x'.repeat(129)}))).toBe('IMH_ERR_BAD_BODY')
  })

  it('checks replies and pushes with IMH_ERR_PROTOCOL_VIOLATION', () => {
    const invite = {callId: 'c', role: 'caller', relayToken: TOKEN, relays: ['udp://127.0.0.1:3478'], ringTimeoutMs: 30000}
    expect(parseTalkInviteReply(invite)).toEqual(invite)
    expect(code(() => parseTalkInviteReply({...invite, role: 'callee'}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    expect(code(() => parseTalkInviteReply({...invite, relayToken: 'abc'}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    expect(code(() => parseTalkInviteReply({...invite, relays: [1]}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    const join = {callId: 'c', role: 'callee', relayToken: TOKEN, relays: []}
    expect(parseTalkJoinReply(join)).toEqual(join)
    expect(code(() => parseTalkJoinReply({...join, role: 'caller'}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    expect(parseTalkRing({callId: 'c', caller: 'u1', ringTimeoutMs: 1})).toEqual({callId: 'c', caller: 'u1', ringTimeoutMs: 1})
    expect(parseTalkEnded({callId: 'c', reason: 'timeout'})).toEqual({callId: 'c', reason: 'timeout'})
    expect(code(() => parseTalkEnded({callId: 'c', reason: 'bored'}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
  })

  it('declares the reply parsers that LongLink.call applies', () => {
    expect(commandOf(CMD.TALK_INVITE)?.spec).toMatchObject({reply: parseTalkInviteReply})
    expect(commandOf(CMD.TALK_JOIN)?.spec).toMatchObject({reply: parseTalkJoinReply})
    expect(code(() => replyParser(CMD.TALK_INVITE)?.({callId: 'c'}))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    expect(replyParser(CMD.TALK_HANGUP)?.({})).toEqual({})
  })
})
