import {createHash} from 'node:crypto'
import type {Redis} from 'ioredis'

/** Runs one Lua script: `keys` as KEYS, `args` as ARGV. */
export type RedisScript = (keys: readonly string[], args: ReadonlyArray<string | number | Buffer>) => Promise<unknown>

/**
 * A Lua script of a Redis store, sent once and then run by its SHA (EVALSHA, EVAL when the server
 * does not know it yet, as after a restart). A store's step that reads and then writes several keys
 * is one script, so that no other node's step runs between its check and its change.
 */
export function redisScript(client: Redis, lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex')
  return async (keys, args) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err
      return client.eval(lua, keys.length, ...keys, ...args)
    }
  }
}
