import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {RedisBackend} from '../store/redis-backend.js'
import {RedisShakeBoard} from './shake-board.js'

warnIfNoRedis('the Redis shake board tests')

describe.runIf(redisTests)('RedisShakeBoard', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('opens one window for concurrent first shakes, keeps a link its shakeId, is claimed once, and a shake after the claim opens the next window', async () => {
    const backends = await Promise.all([0, 1].map(() => new RedisBackend(redis.url, 'board:').connect()))
    try {
      const [a, b] = backends.map((backend) => new RedisShakeBoard(backend)) as [RedisShakeBoard, RedisShakeBoard]
      const now = Date.now()
      const at = {lat: 1.5, lon: -2.25}
      const [x, y] = await Promise.all([a.shake({userId: 'u1', key: 'k1', at}, now, 1000), b.shake({userId: 'u2', key: 'k2', at}, now, 1000)])
      expect(x.windowId).toBe(y.windowId)
      expect(x.closesAt).toBe(now + 1000)
      // The same link again keeps its shakeId; a newer link of the user gets a new one.
      expect((await a.shake({userId: 'u1', key: 'k1', at: {lat: 3, lon: 4}}, now + 10, 1000)).shakeId).toBe(x.shakeId)
      const claims = await Promise.all([a.claim(x.windowId, 1000), b.claim(x.windowId, 1000)])
      const won = claims.filter((c) => c !== undefined)
      expect(won).toHaveLength(1)
      expect(won[0]!.sort((p, q) => p.userId.localeCompare(q.userId))).toEqual([
        {userId: 'u1', key: 'k1', shakeId: x.shakeId, at: {lat: 3, lon: 4}},
        {userId: 'u2', key: 'k2', shakeId: y.shakeId, at},
      ])
      // Claimed before its close time: a shake now goes to a new window.
      const next = await a.shake({userId: 'u3', key: 'k3', at}, now + 20, 1000)
      expect(next.windowId).not.toBe(x.windowId)
      expect(await backends[0]!.client.pttl(backends[0]!.key('shake', 'w', x.windowId))).toBeGreaterThan(0)
    } finally {
      await Promise.all(backends.map((backend) => backend.close()))
    }
  })
})
