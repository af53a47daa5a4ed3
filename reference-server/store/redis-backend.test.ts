import {describe, expect, it} from 'vitest'
import {isImhError} from '../../src/protocol/index.js'
import {redisTests, useRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {RedisBackend} from './redis-backend.js'

warnIfNoRedis('the Redis backend tests')

describe.runIf(redisTests)('RedisBackend', () => {
  const redis = useRedis()

  it('keeps two prefixes apart and carries pub/sub between two backends', async () => {
    const a = await new RedisBackend(redis.current.url, 'a:').connect()
    const b = await new RedisBackend(redis.current.url, 'b:').connect()
    const a2 = await new RedisBackend(redis.current.url, 'a:').connect()
    try {
      await a.client.set(a.key('x'), '1')
      expect(await b.client.get(b.key('x'))).toBeNull()
      const got: string[] = []
      await a2.subscribe('events', (m) => got.push(m))
      await b.subscribe('events', (m) => got.push(`b:${m}`))
      await a.publish('events', 'hello')
      await expect.poll(() => got).toEqual(['hello'])
    } finally {
      await Promise.all([a.close(), b.close(), a2.close()])
    }
  })

  it('names the URL when Redis cannot be reached', async () => {
    const err = await new RedisBackend('redis://127.0.0.1:1').connect().catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_REDIS_UNREACHABLE')).toBe(true)
    expect((err as Error).message).toContain('redis://127.0.0.1:1')
  })
})
