import {describe, expect, it} from 'vitest'
import {NearbyClient} from '../src/client/index.js'
import {type LatLon, offsetBy} from '../src/protocol/index.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {type TwoNodes, useTwoNodes} from './support/two-nodes.js'

warnIfNoRedis('the cross-node shake tests')

const WINDOW_MS = 300
const HOME: LatLon = {lat: 47.3769, lon: 8.5417}

describe.runIf(redisTests)('shake across two nodes sharing a Redis (PROTOCOL.md §2.5, §13)', () => {
  const nodes = useTwoNodes()
  let group: TwoNodes | undefined

  async function shaker(i: 0 | 1, name: string) {
    const client = await group!.user(i, name)
    return {client, lbs: NearbyClient.of(client), id: client.userId!}
  }

  it('matches users shaking in one window on different nodes, nearest first, one SHAKE_MATCH each', async () => {
    group = await nodes.start({shakeWindowMs: WINDOW_MS})
    const a = await shaker(0, 'a')
    const b = await shaker(1, 'b')
    const c = await shaker(1, 'c')
    const [ra, rb, rc] = await Promise.all([a.lbs.shake(HOME), b.lbs.shake(offsetBy(HOME, 500, 0)), c.lbs.shake(offsetBy(HOME, 100, 180))])
    expect(ra.reply.closesInMs).toBeLessThanOrEqual(WINDOW_MS)
    expect(new Set([ra.reply.shakeId, rb.reply.shakeId, rc.reply.shakeId]).size).toBe(3)
    expect(ra.match.matches.map((m) => m.userId)).toEqual([c.id, b.id])
    expect(rb.match.matches.map((m) => m.userId)).toEqual([a.id, c.id])
    expect(rc.match.matches.map((m) => m.userId)).toEqual([a.id, b.id])
    // Both nodes had a timer for the window; one closed it.
    await new Promise((r) => setTimeout(r, WINDOW_MS))
    for (const s of [a, b, c]) expect(s.lbs.matches).toHaveLength(1)

    // The next window is a new one: a lone shaker on either node gets no matches.
    const later = await b.lbs.shake(HOME)
    expect(later.match.matches).toEqual([])
  })

  it('leaves out a shaker whose link closed before the window closed', async () => {
    group = await nodes.start({shakeWindowMs: WINDOW_MS})
    const a = await shaker(0, 'a')
    const gone = await shaker(1, 'gone')
    const first = a.client.link!.call<{shakeId: string}>(210, {lat: HOME.lat, lon: HOME.lon})
    await gone.client.link!.call(210, {lat: HOME.lat, lon: HOME.lon})
    gone.client.link!.terminate()
    const match = await a.lbs.waitMatch((await first).shakeId)
    expect(match.matches).toEqual([])
  })
})
