import {describe, expect, it} from 'vitest'
import {
  MAX_BOTTLE_CONTENT_BYTES, parseBottlePick, parseBottlePickReply, parseBottleReply, parseBottleReplyReply, parseBottleThrow,
  parseBottleThrowReply,
} from './bottle.js'
import {CMD, commandOf, replyParser} from './commands.js'
import {ImhError} from './errors.js'
import {parseSendMsg} from './chat.js'

/** The code and field of what `fn` throws. */
function refusal(fn: () => unknown): {code: string; field: unknown} | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    if (err instanceof ImhError) return {code: err.code, field: err.details?.field}
    throw err
  }
}

const bad = (field: string) => ({code: 'IMH_ERR_BAD_BODY', field})
const off = (field: string) => ({code: 'IMH_ERR_PROTOCOL_VIOLATION', field})

describe('bottle requests (PROTOCOL.md §14), checked by the server', () => {
  it('BOTTLE_THROW needs 1 to 1024 UTF-8 bytes of content', () => {
    expect(parseBottleThrow({content: 'hi', extra: 1})).toEqual({content: 'hi'})
    expect(parseBottleThrow({content: 'x'.repeat(MAX_BOTTLE_CONTENT_BYTES)}).content).toHaveLength(1024)
    expect(refusal(() => parseBottleThrow({content: ''}))).toEqual(bad('content'))
    expect(refusal(() => parseBottleThrow({content: 'x'.repeat(1025)}))).toEqual(bad('content'))
    // 342 three-byte characters are 1026 bytes: the bound is in bytes, not characters.
    expect(refusal(() => parseBottleThrow({content: '瓶'.repeat(342)}))).toEqual(bad('content'))
    expect(refusal(() => parseBottleThrow({content: 5}))).toEqual(bad('content'))
    expect(refusal(() => parseBottleThrow({}))).toEqual(bad('content'))
    expect(refusal(() => parseBottleThrow([]))?.code).toBe('IMH_ERR_BAD_BODY')
  })

  it('BOTTLE_PICK takes an object and ignores its fields', () => {
    expect(parseBottlePick({})).toEqual({})
    expect(parseBottlePick({x: 1})).toEqual({})
    expect(refusal(() => parseBottlePick('x'))?.code).toBe('IMH_ERR_BAD_BODY')
  })

  it('BOTTLE_REPLY names the bad field', () => {
    const ok = {bottleId: 'b1', clientMsgId: 'c1', content: 'hello'}
    expect(parseBottleReply(ok)).toEqual(ok)
    expect(refusal(() => parseBottleReply({...ok, bottleId: ''}))).toEqual(bad('bottleId'))
    expect(refusal(() => parseBottleReply({...ok, bottleId: 'b'.repeat(129)}))).toEqual(bad('bottleId'))
    expect(refusal(() => parseBottleReply({...ok, bottleId: 7}))).toEqual(bad('bottleId'))
    expect(refusal(() => parseBottleReply({...ok, clientMsgId: ''}))).toEqual(bad('clientMsgId'))
    expect(refusal(() => parseBottleReply({...ok, clientMsgId: 'c'.repeat(129)}))).toEqual(bad('clientMsgId'))
    expect(refusal(() => parseBottleReply({...ok, content: ''}))).toEqual(bad('content'))
    expect(refusal(() => parseBottleReply({...ok, content: 'x'.repeat(1025)}))).toEqual(bad('content'))
  })

  it('SEND_MSG may not forge a bottle reply: type "bottle" is for BOTTLE_REPLY only', () => {
    expect(refusal(() => parseSendMsg({clientMsgId: 'c', to: 'u1', type: 'bottle', content: 'x'}))).toEqual(bad('type'))
  })
})

describe('bottle replies, checked by the client', () => {
  it('are the reply parsers the bottle cmds declare, and replyParser applies them', () => {
    expect(commandOf(CMD.BOTTLE_THROW)?.spec).toMatchObject({reply: parseBottleThrowReply})
    expect(commandOf(CMD.BOTTLE_PICK)?.spec).toMatchObject({reply: parseBottlePickReply})
    expect(commandOf(CMD.BOTTLE_REPLY)?.spec).toMatchObject({reply: parseBottleReplyReply})
    expect(replyParser(CMD.BOTTLE_PICK)?.({bottle: null})).toEqual({bottle: null})
    expect(refusal(() => replyParser(CMD.BOTTLE_THROW)?.({bottleId: ''}))?.code).toBe('IMH_ERR_PROTOCOL_VIOLATION')
  })

  it('BOTTLE_THROW reply: {bottleId, throwTime}', () => {
    expect(parseBottleThrowReply({bottleId: 'b1', throwTime: 1})).toEqual({bottleId: 'b1', throwTime: 1})
    expect(refusal(() => parseBottleThrowReply({bottleId: '', throwTime: 1}))).toEqual(off('bottleId'))
    expect(refusal(() => parseBottleThrowReply({bottleId: 'b1'}))).toEqual(off('throwTime'))
  })

  it('BOTTLE_PICK reply: a bottle or null, never absent', () => {
    const bottle = {bottleId: 'b1', content: 'hi', throwTime: 5}
    expect(parseBottlePickReply({bottle})).toEqual({bottle})
    expect(parseBottlePickReply({bottle: null})).toEqual({bottle: null})
    expect(refusal(() => parseBottlePickReply({}))).toEqual(off('bottle'))
    expect(refusal(() => parseBottlePickReply({bottle: {bottleId: 'b1', content: 'hi'}}))).toEqual(off('throwTime'))
    expect(refusal(() => parseBottlePickReply({bottle: {...bottle, content: ''}}))).toEqual(off('content'))
  })

  it('BOTTLE_REPLY reply: SEND_MSG\'s plus the thrower', () => {
    const r = {serverMsgId: 'm1', seq: 3, sendTime: 9, to: 'u2'}
    expect(parseBottleReplyReply(r)).toEqual(r)
    expect(refusal(() => parseBottleReplyReply({...r, to: ''}))).toEqual(off('to'))
    expect(refusal(() => parseBottleReplyReply({...r, seq: -1}))).toEqual(off('seq'))
  })
})
