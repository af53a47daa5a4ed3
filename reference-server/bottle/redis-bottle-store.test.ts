import {describe, expect, it} from 'vitest'
import {redisTests, warnIfNoRedis} from '../../test/support/redis.js'
import {redisBackends} from '../../test/support/redis-stores.js'
import {bottleStoreSuite} from './bottle-store-suite.js'
import {RedisBottleStore} from './redis-bottle-store.js'

warnIfNoRedis('the Redis bottle store tests')

describe.runIf(redisTests)('RedisBottleStore (PROTOCOL.md §14)', () => {
  const redis = redisBackends()
  bottleStoreSuite(async (options) => {
    const store = new RedisBottleStore(await redis.backend(), options)
    return {store, size: () => store.size()}
  })

  it('two stores on one Redis share one pool: each bottle goes to one picker', async () => {
    const backend = await redis.backend()
    const a = new RedisBottleStore(backend)
    const b = new RedisBottleStore(backend)
    for (let i = 0; i < 20; i++) await a.add('t', `c${i}`, i)
    const got = (await Promise.all(Array.from({length: 40}, (_, i) => (i % 2 ? a : b).take(`p${i}`)))).filter((x) => x !== null)
    expect(new Set(got.map((x) => x.bottleId)).size).toBe(20)
    expect(got).toHaveLength(20)
  })
})
