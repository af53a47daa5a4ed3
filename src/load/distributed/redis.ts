import {RedisClient} from '../../common/redis-client.js'
import {ImhError} from '../../protocol/index.js'

/** A Redis connection of agents and coordinators: not yet connected; connect() fails with IMH_ERR_REDIS_UNREACHABLE. */
export function distributedRedis(url: string): RedisClient {
  return new RedisClient(url, (message) => new ImhError('IMH_ERR_REDIS_UNREACHABLE', message, {url}))
}
