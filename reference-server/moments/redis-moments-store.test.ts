import {describe, expect, it} from 'vitest'
import {redisTests, warnIfNoRedis} from '../../test/support/redis.js'
import {redisBackends} from '../../test/support/redis-stores.js'
import {momentsStoreSuite} from './moments-store-suite.js'
import {RedisMomentsStore} from './redis-moments-store.js'

warnIfNoRedis('the Redis moments store tests')

describe.runIf(redisTests)('RedisMomentsStore (PROTOCOL.md §15)', () => {
  const redis = redisBackends()
  momentsStoreSuite(async () => new RedisMomentsStore(await redis.backend()))

  it('two stores on one Redis number posts in one order and see each other’s friends', async () => {
    const backend = await redis.backend()
    const a = new RedisMomentsStore(backend)
    const b = new RedisMomentsStore(backend)
    await a.addFriend('x', 'y')
    expect(await b.areFriends('y', 'x')).toBe(true)
    const posts = await Promise.all(Array.from({length: 10}, (_, i) => (i % 2 ? a : b).addMoment(i % 2 ? 'x' : 'y', `t${i}`, [])))
    expect(new Set(posts.map((p) => p.seq)).size).toBe(10)
    expect((await b.timeline(['x', 'y'], Infinity, 10)).map((m) => m.seq)).toEqual(posts.map((p) => p.seq).sort((p, q) => q - p))
  })
})
