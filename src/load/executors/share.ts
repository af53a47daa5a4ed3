/**
 * This process's part of a run split over `workers` processes: it owns global VU indices
 * `k * workers + worker` and global iterations `i` with `i % workers === worker`.
 */
export interface Share {
  worker: number
  workers: number
}

/** One shard of a run split over `count` independently started runs (`imh load --shard index/count`). */
export interface Shard {
  index: number
  count: number
}

/** How many of the global items `0 … n-1` this share owns. */
export function shareCount(n: number, share: Share): number {
  const total = Math.floor(n)
  return total > share.worker ? Math.ceil((total - share.worker) / share.workers) : 0
}

/** The global index of this share's `k`-th item. */
export function globalIndex(k: number, share: Share): number {
  return k * share.workers + share.worker
}

/**
 * The share of local worker `local` (of `localWorkers`) in shard `shard` (or in the whole run
 * without one): `{worker: index + count·local, workers: count·localWorkers}`. Shard `i` owns the
 * residue class `i mod count`, and its workers split that class further by residue
 * `mod count·localWorkers`; so shards partition indices and iterations exactly even when each
 * runs a different number of workers (`j ≡ i + count·local (mod count·W)` covers `j ≡ i (mod count)`
 * once as `local` runs over `0 … W-1`).
 */
export function shardShare(shard: Shard | undefined, local: number, localWorkers: number): Share {
  if (!shard) return {worker: local, workers: localWorkers}
  return {worker: shard.index + shard.count * local, workers: shard.count * localWorkers}
}
