import {describe} from 'vitest'
import {redisTests, warnIfNoRedis} from '../../test/support/redis.js'
import {redisBackends} from '../../test/support/redis-stores.js'
import {mediaStoreSuite} from './media-store-suite.js'
import {RedisMediaStore} from './redis-media-store.js'

warnIfNoRedis('the Redis media store tests')

describe.runIf(redisTests)('RedisMediaStore (PROTOCOL.md §16)', () => {
  const redis = redisBackends()
  mediaStoreSuite(async () => new RedisMediaStore(await redis.backend()))
})
