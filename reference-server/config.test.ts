import {describe, expect, it} from 'vitest'
import {isImhError} from '../src/protocol/index.js'
import {DEFAULT_LIMITS, resolveLimits} from './config.js'

describe('resolveLimits', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
    expect(resolveLimits({idleTimeoutMs: 1500}).idleTimeoutMs).toBe(1500)
  })

  it.each([
    ['idleTimeoutMs', 5],
    ['maxBodyBytes', 2 * 1024 * 1024],
    ['handshakeTimeoutMs', 1.5],
    ['syncPageMax', 0],
    ['relayRatePps', 0],
    ['relayBurst', 1.5],
  ])('names the option in the error: %s = %s', (key, value) => {
    try {
      resolveLimits({[key]: value})
      expect.unreachable()
    } catch (err) {
      expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
      expect((err as Error).message).toContain(key)
    }
  })

  it('refuses an unknown option and a default page over the maximum', () => {
    expect(() => resolveLimits({nope: 1} as never)).toThrow(/unknown server limit "nope"/)
    expect(() => resolveLimits({syncPageDefault: 50, syncPageMax: 10})).toThrow(/syncPageDefault/)
  })
})
