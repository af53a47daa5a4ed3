import {describe, expect, it} from 'vitest'
import {redisTests, warnIfNoRedis} from '../../test/support/redis.js'
import {redisBackends} from '../../test/support/redis-stores.js'
import {geoStoreSuite} from './geo-store-suite.js'
import {RedisGeoStore} from './redis-geo-store.js'

warnIfNoRedis('the Redis geo store tests')

describe.runIf(redisTests)('RedisGeoStore (PROTOCOL.md §12.1)', () => {
  const redis = redisBackends()
  geoStoreSuite(async (options) => {
    const store = new RedisGeoStore(await redis.backend(), options)
    return {store, held: async () => (await store.sweep(), store.size())}
  })

  it('two stores on one Redis see each other’s positions, and its keys expire', async () => {
    const backend = await redis.backend()
    const a = new RedisGeoStore(backend)
    const b = new RedisGeoStore(backend)
    await a.put('x', {lat: 48.85, lon: 2.35}, 5000)
    expect((await b.within({lat: 48.85, lon: 2.351}, 500)).map((p) => p.userId)).toEqual(['x'])
    expect(await backend.client.pttl(backend.key('geo', 'exp'))).toBeGreaterThan(5000)
  })
})
