import {describe, expect, it} from 'vitest'
import {libraryHi, nativeHi, useNativeScram} from './xmpp-scram.js'

describe('SCRAM-SHA-1 Hi() for @xmpp/client', () => {
  it('computes the same bytes as the library, and replaces the library\'s', async () => {
    const salt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    const {own} = libraryHi()
    expect(own).not.toBe(nativeHi)
    for (const iterations of [1, 2, 64]) expect(await nativeHi('pencil', salt, iterations)).toEqual(await own('pencil', salt, iterations))
    useNativeScram()
    expect(libraryHi().current).toBe(nativeHi)
  })

  it('matches RFC 6070 test vector 2 (PBKDF2-HMAC-SHA1, 2 iterations)', async () => {
    const out = await nativeHi('password', new TextEncoder().encode('salt'), 2)
    expect(Buffer.from(out).toString('hex')).toBe('ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957')
  })
})
