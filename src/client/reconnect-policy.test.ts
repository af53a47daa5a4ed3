import {describe, expect, it} from 'vitest'
import {isImhError} from '../protocol/index.js'
import {DEFAULT_RECONNECT, backoffDelay, checkReconnectPolicy} from './reconnect-policy.js'

describe('reconnect back-off', () => {
  it('draws each delay from [0, min(cap, base·2ⁿ)): full jitter under a capped exponential', () => {
    const p = {baseMs: 100, capMs: 1000, attempts: 6}
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(p, n, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000].map((d) => d * 0.999999))
    expect(backoffDelay(p, 3, () => 0)).toBe(0)
    const draws = Array.from({length: 2000}, () => backoffDelay(p, 2))
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(400)
    // Spread, not bunched: the mean of a uniform draw is half the ceiling.
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeGreaterThan(150)
  })

  it('refuses a policy that cannot work, naming the field', () => {
    expect(checkReconnectPolicy({...DEFAULT_RECONNECT})).toEqual(DEFAULT_RECONNECT)
    for (const bad of [{baseMs: 0}, {capMs: 10}, {attempts: 0}, {attempts: 1.5}]) {
      let err: unknown
      try {
        checkReconnectPolicy({...DEFAULT_RECONNECT, ...bad})
      } catch (e) {
        err = e
      }
      expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
      expect((err as Error).message).toContain(`reconnect.${Object.keys(bad)[0]}`)
    }
  })
})
