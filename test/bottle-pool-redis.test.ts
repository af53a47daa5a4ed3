import {describe, expect, it} from 'vitest'
import {BottleClient} from '../src/client/index.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {redisBackends} from './support/redis-stores.js'
import {startRedisGroup} from './support/redis-group.js'

warnIfNoRedis('the two-node bottle pool on Redis')

describe.runIf(redisTests)('one drift-bottle pool over two nodes sharing one Redis (PROTOCOL.md §2.5, §14)', () => {
  const redis = redisBackends()

  it('20 bottles thrown on both nodes, 40 picks at once on both: each bottle picked at most once, every bottle picked', async () => {
    const group = await startRedisGroup(redis.url(), {flows: ['core', 'bottle']})
    try {
      const throwers = [BottleClient.of(await group.user(0, 'thrower0')), BottleClient.of(await group.user(1, 'thrower1'))]
      for (let i = 0; i < 20; i++) await throwers[i % 2]!.throw(`bottle ${i}`)
      const pickers = (await group.users(40, 'picker')).map((c) => BottleClient.of(c))
      const picked = (await Promise.all(pickers.map((p) => p.pick(15_000)))).filter((b) => b !== null)
      expect(new Set(picked.map((b) => b.bottleId)).size).toBe(picked.length)
      expect(picked).toHaveLength(20)
    } finally {
      await group.close()
    }
  })
})
