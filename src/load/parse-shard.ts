import {ImhError} from '../protocol/errors.js'
import type {Shard} from './executors/share.js'

/** More shards than this is a typo, not a deployment (each shard is a whole `imh load` process). */
export const MAX_SHARDS = 100_000

/** Parses `--shard index/count` (`0/4` … `3/4`); throws IMH_ERR_INVALID_OPTION saying what is allowed. */
export function parseShard(input: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(input)
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || !(count >= 1 && count <= MAX_SHARDS) || !(index < count)) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `--shard must be INDEX/COUNT with 1 <= COUNT <= ${MAX_SHARDS} and 0 <= INDEX < COUNT (e.g. 0/4 … 3/4), got "${input}"`, {shard: input})
  }
  return {index, count}
}
