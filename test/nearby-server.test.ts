import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {NearbyClient, VirtualClient} from '../src/client/index.js'
import {type ErrorCode, type LatLon, haversineM, isImhError, offsetBy} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'

const TTL_MS = 400
const WINDOW_MS = 250
const HOME: LatLon = {lat: 47.3769, lon: 8.5417}

let server: ReferenceServer
const clients: VirtualClient[] = []
let n = 0

beforeEach(async () => {
  server = await startReferenceServer({port: 0, limits: {positionTtlMs: TTL_MS, shakeWindowMs: WINDOW_MS}})
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server.close()
})

interface User { client: VirtualClient; lbs: NearbyClient; id: string }

async function user(name = 'u'): Promise<User> {
  const client = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `${name}${n++}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(client)
  await client.start()
  return {client, lbs: NearbyClient.of(client), id: client.userId!}
}

async function users(k: number): Promise<User[]> {
  return Promise.all(Array.from({length: k}, () => user()))
}

async function refused(p: Promise<unknown>, code: ErrorCode): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isImhError(err) ? err.code : err).toBe(code)
  return (err as Error).message
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('nearby people (PROTOCOL.md §12)', () => {
  it('lists other live positions nearest first with haversine distances, never the caller', async () => {
    const [me, a, b, c] = await users(4)
    expect(await me!.lbs.report(HOME)).toEqual({expiresInMs: TTL_MS})
    const spots = [offsetBy(HOME, 300, 10), offsetBy(HOME, 100, 200), offsetBy(HOME, 600, 90)]
    await Promise.all([a, b, c].map((u, i) => u!.lbs.report(spots[i]!)))
    const page = await me!.lbs.nearby()
    expect(page.people.map((p) => p.userId)).toEqual([b!.id, a!.id, c!.id])
    expect(page.next).toBeUndefined()
    for (const p of page.people) {
      const at = spots[[a, b, c].findIndex((u) => u!.id === p.userId)]!
      expect(p.distanceM).toBeCloseTo(haversineM(HOME, at), 3)
      expect(typeof p.nickname).toBe('string')
    }
    // Somebody else's view: the caller is listed, the asker is not.
    const fromA = await a!.lbs.nearby({lat: spots[0]!.lat, lon: spots[0]!.lon})
    expect(fromA.people.map((p) => p.userId)).not.toContain(a!.id)
    expect(fromA.people.map((p) => p.userId)).toContain(me!.id)
  })

  it('respects radiusM and clamps it to 50 km', async () => {
    const [me, near, far] = await users(3)
    await me!.lbs.report(HOME)
    await near!.lbs.report(offsetBy(HOME, 200, 45))
    await far!.lbs.report(offsetBy(HOME, 60_000, 45))
    expect((await me!.lbs.nearby({radiusM: 150})).people).toEqual([])
    expect((await me!.lbs.nearby({radiusM: 250})).people.map((p) => p.userId)).toEqual([near!.id])
    expect((await me!.lbs.nearby({radiusM: 1e9})).people.map((p) => p.userId)).toEqual([near!.id])
  })

  it('pages with offset/limit and next, complete and without overlap', async () => {
    const [me, ...others] = await users(8)
    await me!.lbs.report(HOME)
    await Promise.all(others.map((u, i) => u.lbs.report(offsetBy(HOME, 50 + i * 40, i * 50))))
    const full = (await me!.lbs.nearby({limit: 100})).people.map((p) => p.userId)
    expect(full).toHaveLength(7)
    const seen: string[] = []
    let offset: number | undefined = 0
    let pages = 0
    while (offset !== undefined) {
      const page = await me!.lbs.nearby({offset, limit: 3})
      seen.push(...page.people.map((p) => p.userId))
      offset = page.next
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(full)
    expect((await me!.lbs.nearby({offset: 7, limit: 3})).people).toEqual([])
  })

  it('forgets positions after positionTtlMs; a new report renews', async () => {
    const [me, other] = await users(2)
    await other!.lbs.report(offsetBy(HOME, 100, 0))
    await me!.lbs.report(HOME)
    expect((await me!.lbs.nearby()).people).toHaveLength(1)
    await sleep(TTL_MS + 100)
    await refused(me!.lbs.nearby(), 'IMH_ERR_NO_POSITION')
    expect((await me!.lbs.nearby(HOME)).people).toEqual([])
    await other!.lbs.report(offsetBy(HOME, 100, 0))
    expect((await me!.lbs.nearby(HOME)).people).toHaveLength(1)
  })

  it('refuses bad coordinates with IMH_ERR_BAD_LOCATION naming the field, and NEARBY without a position', async () => {
    const [me] = await users(1)
    expect(await refused(me!.lbs.report({lat: 91, lon: 0}), 'IMH_ERR_BAD_LOCATION')).toMatch(/"lat"/)
    expect(await refused(me!.lbs.report({lat: 0, lon: 181}), 'IMH_ERR_BAD_LOCATION')).toMatch(/"lon"/)
    expect(await refused(me!.lbs.report({lat: Number.NaN, lon: 0}), 'IMH_ERR_BAD_LOCATION')).toMatch(/"lat"/)
    expect(await refused(me!.lbs.report({lat: '1' as unknown as number, lon: 0}), 'IMH_ERR_BAD_LOCATION')).toMatch(/"lat"/)
    expect(await refused(me!.client.link!.call(0 + 200, {lat: 1}), 'IMH_ERR_BAD_LOCATION')).toMatch(/"lon"/)
    await refused(me!.lbs.nearby({lat: 1}), 'IMH_ERR_BAD_LOCATION')
    await refused(me!.lbs.nearby({lat: -90.5, lon: 0}), 'IMH_ERR_BAD_LOCATION')
    await refused(me!.lbs.nearby({limit: 0}), 'IMH_ERR_BAD_BODY')
    await refused(me!.lbs.nearby({radiusM: -1, lat: 0, lon: 0}), 'IMH_ERR_BAD_BODY')
    await refused(me!.lbs.nearby(), 'IMH_ERR_NO_POSITION')
    await refused(me!.lbs.shake({lat: 0, lon: 200}), 'IMH_ERR_BAD_LOCATION')
  })
})

describe('shake (PROTOCOL.md §13)', () => {
  it('matches the shakers of one window with each other, nearest first, never self', async () => {
    const [a, b, c] = await users(3)
    const [ra, rb, rc] = await Promise.all([a!.lbs.shake(HOME), b!.lbs.shake(offsetBy(HOME, 500, 0)), c!.lbs.shake(offsetBy(HOME, 100, 180))])
    expect(ra!.reply.windowMs).toBe(WINDOW_MS)
    expect(ra!.reply.closesInMs).toBeLessThanOrEqual(WINDOW_MS)
    expect(new Set([ra!.reply.shakeId, rb!.reply.shakeId, rc!.reply.shakeId]).size).toBe(3)
    expect(ra!.match.matches.map((m) => m.userId)).toEqual([c!.id, b!.id])
    expect(rb!.match.matches.map((m) => m.userId)).toEqual([a!.id, c!.id])
    expect(rc!.match.matches.map((m) => m.userId)).toEqual([a!.id, b!.id])
    expect(ra!.match.matches[0]!.distanceM).toBeCloseTo(haversineM(HOME, offsetBy(HOME, 100, 180)), 3)
  })

  it('a later window does not match an earlier one; a lone shaker gets no matches', async () => {
    const [a, b] = await users(2)
    const first = await a!.lbs.shake(HOME)
    expect(first.match.matches).toEqual([])
    const second = await b!.lbs.shake(HOME)
    expect(second.match.matches).toEqual([])
    expect(a!.lbs.matches).toHaveLength(1)
  })

  it('a second shake in one window keeps the shakeId and moves the shaker; a closed link leaves', async () => {
    const [a, b, gone] = await users(3)
    const link = a!.client.link!
    const one = link.call<{shakeId: string}>(210, {lat: HOME.lat, lon: HOME.lon})
    const two = link.call<{shakeId: string}>(210, {lat: 10, lon: 10})
    const [r1, r2] = await Promise.all([one, two])
    expect(r2.shakeId).toBe(r1.shakeId)
    await gone!.client.link!.call(210, {lat: HOME.lat, lon: HOME.lon})
    gone!.client.link!.terminate()
    const rb = await b!.lbs.shake(HOME)
    expect(rb.match.matches.map((m) => m.userId)).toEqual([a!.id])
    expect(rb.match.matches[0]!.distanceM).toBeCloseTo(haversineM(HOME, {lat: 10, lon: 10}), 0)
    const ma = await a!.lbs.waitMatch(r1.shakeId)
    expect(ma.matches.map((m) => m.userId)).toEqual([b!.id])
    await sleep(WINDOW_MS)
    expect(a!.lbs.matches).toHaveLength(1)
  })
})
