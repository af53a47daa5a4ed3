import {describe, expect, it} from 'vitest'
import {haversineM, offsetBy} from '../../src/protocol/index.js'
import {MemoryGeoStore} from './geo-store.js'

describe('MemoryGeoStore', () => {
  it('finds what a full scan finds, near the antimeridian and the poles too', async () => {
    let now = 0
    const geo = new MemoryGeoStore({now: () => now})
    const centres = [{lat: 0, lon: 0}, {lat: 12.3, lon: 179.95}, {lat: -89.9, lon: 10}, {lat: 60, lon: -0.01}]
    let seed = 7
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const all: Array<{userId: string; at: {lat: number; lon: number}}> = []
    for (const [i, c] of centres.entries()) {
      for (let k = 0; k < 200; k++) {
        const at = offsetBy(c, rnd() * 30_000, rnd() * 360)
        all.push({userId: `u${i}-${k}`, at})
        await geo.put(`u${i}-${k}`, at, 1000)
      }
    }
    for (const c of centres) {
      for (const r of [500, 5000, 25_000]) {
        const got = (await geo.within(c, r)).map((p) => p.userId).sort()
        const want = all.filter((p) => haversineM(c, p.at) <= r).map((p) => p.userId).sort()
        expect(got).toEqual(want)
      }
    }
    now = 1000
    expect(await geo.within(centres[0]!, 30_000)).toEqual([])
    expect(await geo.get('u0-0')).toBeUndefined()
    geo.sweep()
    expect(geo.size).toBe(0)
  })

  it('a new position replaces the old one', async () => {
    const geo = new MemoryGeoStore()
    await geo.put('a', {lat: 1, lon: 1}, 1000)
    await geo.put('a', {lat: 50, lon: 50}, 1000)
    expect(await geo.within({lat: 1, lon: 1}, 1000)).toEqual([])
    expect(await geo.get('a')).toEqual({lat: 50, lon: 50})
    expect(geo.size).toBe(1)
  })
})
