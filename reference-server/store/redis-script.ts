import {createHash} from 'node:crypto'
import type {Redis} from 'ioredis'

/** Runs one Lua script: `keys` as KEYS, `args` as ARGV. */
export type RedisScript = (keys: readonly string[], args: ReadonlyArray<string | number | Buffer>) => Promise<unknown>

/**
 * A Lua script of a Redis store: its first run is an EVAL (which also loads it), later ones an
 * EVALSHA, and EVAL again when the server has forgotten it (NOSCRIPT, after a restart). A store's
 * step that reads and then writes several keys is one script, so that no other node's step runs
 * between its check and its change. The first run is an EVAL rather than a failed EVALSHA and a
 * retry: the retry would go out after commands sent since on the same connection, and a store
 * that does not wait for a script's answer (a published kick) relies on that order.
 */
export function redisScript(client: Redis, lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex')
  let loaded = false
  return async (keys, args) => {
    if (!loaded) {
      const result = await client.eval(lua, keys.length, ...keys, ...args)
      loaded = true
      return result
    }
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err
      return client.eval(lua, keys.length, ...keys, ...args)
    }
  }
}
