import {describe, expect, it} from 'vitest'
import {isImhError} from '../../protocol/errors.js'
import {loadProfile, parseProfile} from '../profile/load-profile.js'
import {bottleContent} from './bottle.js'

const scenario = (extra: string) => `scenarios: {b: {scenario: bottle, executor: constant-vus, vus: 2, duration: 1s${extra}}}`

describe('bottle scenario options (docs/profiles.md)', () => {
  it('defaults: throw every 2s, pick every 1s, reply to half, 64 bytes', () => {
    const p = parseProfile(scenario(''), 'x.yaml')
    expect(p.scenarios[0]!.options).toEqual({throwIntervalMs: 2000, pickIntervalMs: 1000, replyRatio: 0.5, bottleSize: 64, requestTimeoutMs: 10_000})
  })

  it('takes the fields and checks their ranges', () => {
    const p = parseProfile(scenario(', throwInterval: 500ms, pickInterval: 250ms, replyRatio: 1, bottleSize: 1024'), 'x.yaml')
    expect(p.scenarios[0]!.options).toMatchObject({throwIntervalMs: 500, pickIntervalMs: 250, replyRatio: 1, bottleSize: 1024})
    for (const bad of ['replyRatio: 1.5', 'bottleSize: 1025', 'bottleSize: 0', 'pickInterval: 0s']) {
      let err: unknown
      try {
        parseProfile(scenario(`, ${bad}`), 'x.yaml')
      } catch (e) {
        err = e
      }
      expect(isImhError(err, 'IMH_ERR_PROFILE_INVALID'), bad).toBe(true)
    }
  })

  it('the built-in profile loads', async () => {
    const p = await loadProfile('bottle')
    expect(p.scenarios.map((s) => s.scenario)).toEqual(['bottle'])
  })

  it('content has exactly the asked size', () => {
    expect(Buffer.byteLength(bottleContent(3, 7, 64))).toBe(64)
    expect(bottleContent(3, 7, 64)).toMatch(/^imhb\|3\|7\|x+$/)
    expect(bottleContent(123, 456, 4)).toHaveLength(4)
  })
})
