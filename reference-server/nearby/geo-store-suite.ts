import {expect, it} from 'vitest'
import {haversineM, offsetBy} from '../../src/protocol/index.js'
import type {GeoStore, MemoryGeoStoreOptions} from './geo-store.js'

/** A store under test, and how many positions it holds after dropping the expired ones (not part of the interface). */
export type MakeGeoStore = (options?: MemoryGeoStoreOptions) => Promise<{store: GeoStore; held: () => Promise<number>}>

/** The behaviour every GeoStore shares (PROTOCOL.md §12.1), run against each implementation. */
export function geoStoreSuite(make: MakeGeoStore): void {
  it('finds what a full scan finds, near the antimeridian and the poles too', async () => {
    let now = 0
    const {store: geo, held} = await make({now: () => now})
    const centres = [{lat: 0, lon: 0}, {lat: 12.3, lon: 179.95}, {lat: -89.9, lon: 10}, {lat: 60, lon: -0.01}, {lat: 85.2, lon: 40}]
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
        const got = await geo.within(c, r)
        const want = all.filter((p) => haversineM(c, p.at) <= r)
        expect(got.map((p) => p.userId).sort()).toEqual(want.map((p) => p.userId).sort())
        for (const p of got) expect(p.distanceM).toBe(haversineM(c, all.find((q) => q.userId === p.userId)!.at))
      }
    }
    now = 1000
    expect(await geo.within(centres[0]!, 30_000)).toEqual([])
    expect(await geo.get('u0-0')).toBeUndefined()
    expect(await held()).toBe(0)
  })

  it('counts a position exactly at the radius as within, and one a metre beyond as not', async () => {
    const {store: geo} = await make()
    const c = {lat: 31.2, lon: 121.5}
    const at = offsetBy(c, 1000, 45)
    const beyond = offsetBy(c, 1001, 135)
    await geo.put('edge', at, 60_000)
    await geo.put('out', beyond, 60_000)
    const d = haversineM(c, at)
    expect(await geo.within(c, d)).toEqual([{userId: 'edge', distanceM: d}])
    expect((await geo.within(c, haversineM(c, beyond) - 0.5)).map((p) => p.userId)).toEqual(['edge'])
  })

  it('a radius as wide as the planet finds everyone, at the poles too', async () => {
    const {store: geo} = await make()
    const spots = [{lat: 0, lon: 0}, {lat: 0, lon: 180}, {lat: 89.99, lon: 0}, {lat: -89.99, lon: 90}, {lat: -33.9, lon: 151.2}, {lat: 64.1, lon: -21.9}]
    for (const [i, at] of spots.entries()) await geo.put(`p${i}`, at, 60_000)
    expect((await geo.within({lat: 48.85, lon: 2.35}, 2.1e7)).map((p) => p.userId).sort()).toEqual(spots.map((_, i) => `p${i}`))
  })

  it('a new position replaces the old one, exactly as given', async () => {
    const {store: geo, held} = await make()
    await geo.put('a', {lat: 1, lon: 1}, 1000)
    await geo.put('a', {lat: 50.123456789, lon: -50.987654321}, 1000)
    expect(await geo.within({lat: 1, lon: 1}, 1000)).toEqual([])
    expect(await geo.get('a')).toEqual({lat: 50.123456789, lon: -50.987654321})
    expect(await held()).toBe(1)
  })

  it('keeps each user’s own expiry', async () => {
    let now = 0
    const {store: geo} = await make({now: () => now})
    await geo.put('short', {lat: 10, lon: 10}, 100)
    await geo.put('long', {lat: 10, lon: 10.001}, 1000)
    now = 100
    expect((await geo.within({lat: 10, lon: 10}, 1000)).map((p) => p.userId)).toEqual(['long'])
    expect(await geo.get('short')).toBeUndefined()
    expect(await geo.get('long')).toEqual({lat: 10, lon: 10.001})
  })
}
