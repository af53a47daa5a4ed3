import {describe, expect, it} from 'vitest'
import {namesField} from './field-name.js'

describe('namesField (PROTOCOL.md §3.2: errMsg names the field)', () => {
  it('finds the name as written, in any letter case, quoted or bare', () => {
    for (const msg of ['field "clientMsgId" must be a string', 'CLIENTMSGID missing', 'bad clientmsgid: empty', 'clientMsgId']) expect(namesField(msg, 'clientMsgId'), msg).toBe(true)
    expect(namesField('SEND_MSG: to must be a string', 'to')).toBe(true)
    expect(namesField('syncKey.seq is missing', 'seq')).toBe(true)
  })

  it('does not find it inside a longer identifier or not at all', () => {
    expect(namesField('token is missing', 'to')).toBe(false)
    expect(namesField('clientMsgIds must be unique', 'clientMsgId')).toBe(false)
    expect(namesField('bad body', 'content')).toBe(false)
    expect(namesField('client_msg_id missing', 'clientMsgId')).toBe(false)
  })
})
