import {afterEach} from 'vitest'
import {RedisBackend} from '../../reference-server/store/redis-backend.js'
import {useRedis} from './redis.js'

let files = 0

/**
 * For a Redis store suite: one redis-server per test file, and `backend()` giving a connected
 * backend under a fresh key prefix each call, so that tests share nothing; all closed after each test.
 * Call inside a `describe.runIf(redisTests)` block.
 */
export function redisBackends(): {backend: () => Promise<RedisBackend>; url: () => string} {
  const redis = useRedis()
  const open: RedisBackend[] = []
  let n = 0
  const file = ++files
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()))
  })
  return {
    url: () => redis.current.url,
    async backend() {
      const b = await new RedisBackend(redis.current.url, `t${file}-${++n}:`).connect()
      open.push(b)
      return b
    },
  }
}
