import {describe, expect, it} from 'vitest'
import {isImhError} from '../../protocol/errors.js'
import {formatDuration, parseDuration} from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500], ['20s', 20_000], ['1m30s', 90_000], ['2h', 7_200_000], ['1.5s', 1500], ['1.1s', 1100],
    ['1h2m3s', 3_723_000], ['0s', 0], ['0', 0], [0, 0], [' 5s ', 5000], ['0.5ms', 1], ['30s1m', 90_000],
  ])('%j → %d ms', (value, ms) => {
    expect(parseDuration(value, 'options.drain', 'p.yaml')).toBe(ms)
  })

  it.each([
    [20, '20 has no unit; write a duration like'],
    ['20', '"20" is not a duration'],
    ['20 s', 'is not a duration'],
    ['-5s', 'is not a duration'],
    ['5d', 'is not a duration'],
    ['1m 30s', 'is not a duration'],
    ['', 'is not a duration'],
    [null, 'got nothing'],
    [[1], 'got a list'],
    [true, 'got true'],
  ])('refuses %j', (value, text) => {
    try {
      parseDuration(value, 'scenarios.pairs.duration', 'p.yaml')
      expect.unreachable()
    } catch (err) {
      expect(isImhError(err, 'IMH_ERR_PROFILE_INVALID')).toBe(true)
      expect((err as Error).message).toMatch(/^p\.yaml: scenarios\.pairs\.duration: /)
      expect((err as Error).message).toContain(text)
      expect((err as Error).message).toContain("'20s' or '500ms'")
    }
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0ms'], [500, '500ms'], [1000, '1s'], [1500, '1.5s'], [20_000, '20s'], [90_000, '1m30s'],
    [3_600_000, '1h'], [3_605_000, '1h5s'], [7_260_000, '2h1m'], [-500, '-500ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it.each([0, 1, 999, 1000, 1234, 61_001, 3_723_000, 86_400_000])('round-trips %d ms', (ms) => {
    expect(parseDuration(formatDuration(ms), 'f', 'p.yaml')).toBe(ms)
  })
})
