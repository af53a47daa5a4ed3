/**
 * This process's part of a run split over `workers` processes: it owns global VU indices
 * `k * workers + worker` and global iterations `i` with `i % workers === worker`.
 */
export interface Share {
  worker: number
  workers: number
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
