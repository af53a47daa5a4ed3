import {describe, expect, it} from 'vitest'
import {EARTH_RADIUS_M, byDistance, haversineM, offsetBy} from './geo.js'
import {isImhError} from './errors.js'
import {parseLbsReport, parseLbsReportReply, parseNearby, parseNearbyReply} from './nearby.js'
import {SHAKE_MAX_MATCHES, parseShake, parseShakeMatch, parseShakeReply} from './shake.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return isImhError(err) ? `${err.code}:${String(err.details?.field)}` : 'other'
  }
  return undefined
}

describe('geo', () => {
  it('haversine: zero, a quarter meridian, the antipode, symmetric', () => {
    expect(haversineM({lat: 1, lon: 2}, {lat: 1, lon: 2})).toBe(0)
    expect(haversineM({lat: 0, lon: 0}, {lat: 90, lon: 0})).toBeCloseTo((Math.PI / 2) * EARTH_RADIUS_M, 3)
    expect(haversineM({lat: 0, lon: 0}, {lat: 0, lon: 180})).toBeCloseTo(Math.PI * EARTH_RADIUS_M, 3)
    const a = {lat: 22.54, lon: 114.05}
    const b = {lat: 31.23, lon: 121.47}
    expect(haversineM(a, b)).toBeCloseTo(haversineM(b, a), 6)
    // Shenzhen–Shanghai, about 1,200 km.
    expect(haversineM(a, b) / 1000).toBeGreaterThan(1150)
    expect(haversineM(a, b) / 1000).toBeLessThan(1250)
  })

  it('offsetBy lands at the distance asked for, across the antimeridian too', () => {
    for (const [from, d, bearing] of [[{lat: 10, lon: 20}, 500, 33], [{lat: -45, lon: 179.999}, 2000, 90], [{lat: 80, lon: 0}, 10_000, 270]] as const) {
      const to = offsetBy(from, d, bearing)
      expect(haversineM(from, to)).toBeCloseTo(d, 3)
      expect(to.lon).toBeGreaterThanOrEqual(-180)
      expect(to.lon).toBeLessThan(180)
    }
  })

  it('byDistance: nearest first, ties by userId', () => {
    const people = [{userId: 'b', distanceM: 5}, {userId: 'c', distanceM: 1}, {userId: 'a', distanceM: 5}]
    expect(people.sort(byDistance).map((p) => p.userId)).toEqual(['c', 'a', 'b'])
  })
})

describe('nearby and shake requests (server side)', () => {
  it('accepts the corners of the range', () => {
    expect(parseLbsReport({lat: -90, lon: 180})).toEqual({lat: -90, lon: 180})
    expect(parseShake({lat: 90, lon: -180, extra: 1})).toEqual({lat: 90, lon: -180})
  })

  it('refuses bad coordinates with IMH_ERR_BAD_LOCATION naming the field', () => {
    expect(codeOf(() => parseLbsReport({lat: 90.01, lon: 0}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseLbsReport({lat: 0, lon: -180.5}))).toBe('IMH_ERR_BAD_LOCATION:lon')
    expect(codeOf(() => parseLbsReport({lat: '1', lon: 0}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseLbsReport({lat: null, lon: 0}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseLbsReport({lat: 0}))).toBe('IMH_ERR_BAD_LOCATION:lon')
    expect(codeOf(() => parseShake({lat: Infinity, lon: 0}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseLbsReport([1, 2]))).toBe('IMH_ERR_BAD_BODY:undefined')
  })

  it('NEARBY: position both or neither; radiusM > 0, limit ≥ 1, offset a uint', () => {
    expect(parseNearby({})).toEqual({})
    expect(parseNearby({lat: 1, lon: 2, radiusM: 10.5, offset: 3, limit: 4})).toEqual({lat: 1, lon: 2, radiusM: 10.5, offset: 3, limit: 4})
    expect(codeOf(() => parseNearby({lon: 2}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseNearby({lat: null, lon: 2}))).toBe('IMH_ERR_BAD_LOCATION:lat')
    expect(codeOf(() => parseNearby({radiusM: 0}))).toBe('IMH_ERR_BAD_BODY:radiusM')
    expect(codeOf(() => parseNearby({limit: 0}))).toBe('IMH_ERR_BAD_BODY:limit')
    expect(codeOf(() => parseNearby({offset: -1}))).toBe('IMH_ERR_BAD_BODY:offset')
  })
})

describe('nearby and shake replies (client side)', () => {
  const person = (userId: string, distanceM: number) => ({userId, nickname: userId, avatarUrl: '', distanceM})

  it('accepts well-formed replies', () => {
    expect(parseLbsReportReply({expiresInMs: 600_000})).toEqual({expiresInMs: 600_000})
    expect(parseNearbyReply({people: [person('a', 1), person('b', 1), person('c', 2)], next: 3}).next).toBe(3)
    expect(parseShakeReply({shakeId: 's', windowMs: 3000, closesInMs: 10}).shakeId).toBe('s')
    expect(parseShakeMatch({shakeId: 's', matches: []}).matches).toEqual([])
  })

  it('refuses off-spec replies with IMH_ERR_PROTOCOL_VIOLATION', () => {
    expect(codeOf(() => parseNearbyReply({people: [person('a', 2), person('b', 1)]}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:people')
    expect(codeOf(() => parseNearbyReply({people: [{userId: 'a'}]}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:nickname')
    expect(codeOf(() => parseNearbyReply({people: [person('a', -1)]}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:distanceM')
    expect(codeOf(() => parseShakeReply({shakeId: '', windowMs: 3000, closesInMs: 10}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:shakeId')
    expect(codeOf(() => parseShakeReply({shakeId: 's', windowMs: 3000, closesInMs: 3001}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:closesInMs')
    const many = Array.from({length: SHAKE_MAX_MATCHES + 1}, (_, i) => person(`u${i}`, i))
    expect(codeOf(() => parseShakeMatch({shakeId: 's', matches: many}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:matches')
  })
})
