import {describe, expect, it} from 'vitest'
import {expandUsername, parseXmppTarget, unknownPlaceholder} from './xmpp-target.js'

describe('xmpp target', () => {
  it('reads xmpp:// and xmpps:// with their default ports', () => {
    expect(parseXmppTarget('xmpp://127.0.0.1:5333')).toEqual({service: 'xmpp://127.0.0.1:5333', host: '127.0.0.1', port: 5333, secure: false})
    expect(parseXmppTarget('xmpp://chat.example')).toMatchObject({service: 'xmpp://chat.example:5222', port: 5222})
    expect(parseXmppTarget('xmpps://chat.example')).toMatchObject({service: 'xmpps://chat.example:5223', port: 5223, secure: true})
    expect(parseXmppTarget('xmpp://[::1]:5222')).toMatchObject({service: 'xmpp://[::1]:5222', host: '::1'})
  })

  it('refuses another scheme or no URL with IMH_ERR_INVALID_OPTION', () => {
    for (const bad of ['mqtt://h:1', 'localhost:5222', 'xmpp:', '']) expect(() => parseXmppTarget(bad)).toThrow(expect.objectContaining({code: 'IMH_ERR_INVALID_OPTION'}))
  })
})

describe('xmpp username template', () => {
  it('fills {username} and {index}', () => {
    expect(expandUsername('{username}', {username: 'imh-r-chat-3', index: 3})).toBe('imh-r-chat-3')
    expect(expandUsername('load{index}', {username: 'x', index: 17})).toBe('load17')
    expect(expandUsername('{username}-{index}', {username: 'u', index: 0})).toBe('u-0')
  })

  it('names a placeholder it does not know', () => {
    expect(unknownPlaceholder('load{index}')).toBeUndefined()
    expect(unknownPlaceholder('load{idx}')).toBe('idx')
  })
})
