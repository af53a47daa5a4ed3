import {afterEach} from 'vitest'
import type {ServerLimits} from '../../reference-server/index.js'
import {type TestRedis, useRedis} from './redis.js'
import {type RedisGroup, startRedisGroup} from './redis-group.js'

export type TwoNodes = RedisGroup

/**
 * In a describe block: a Redis for the block, and `start` for two nodes on it (redis-group.ts)
 * that are closed after each test.
 */
export function useTwoNodes(): {start(limits?: Partial<ServerLimits>): Promise<TwoNodes>; readonly redis: TestRedis} {
  const redis = useRedis()
  let group: TwoNodes | undefined
  afterEach(async () => {
    await group?.close()
    group = undefined
  })
  return {
    async start(limits = {}) {
      group = await startRedisGroup(redis.current.url, {limits})
      return group
    },
    get redis() {
      return redis.current
    },
  }
}
