import {afterAll, afterEach, beforeAll} from 'vitest'
import {RedisBackend} from '../../reference-server/store/redis-backend.js'
import {type TestRedis, startRedis} from './redis.js'

let files = 0

/**
 * For a Redis store suite: one redis-server per test file, and `backend()` giving a connected
 * backend under a fresh key prefix each call, so that tests share nothing; all closed after each test.
 * Call inside a `describe.runIf(redisTests)` block.
 */
export function redisBackends(): {backend: () => Promise<RedisBackend>; url: () => string} {
  let redis: TestRedis | undefined
  const open: RedisBackend[] = []
  let n = 0
  const file = ++files
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()))
  })
  afterAll(async () => {
    await redis?.stop()
  })
  return {
    url: () => redis!.url,
    async backend() {
      const b = await new RedisBackend(redis!.url, `t${file}-${++n}:`).connect()
      open.push(b)
      return b
    },
  }
}
