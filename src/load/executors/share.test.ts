import {describe, expect, it} from 'vitest'
import {globalIndex, shardShare, shareCount, type Share} from './share.js'

/** Every share of a run split into shards whose worker counts are `workersPerShard`. */
function sharesOf(workersPerShard: number[]): Share[] {
  const count = workersPerShard.length
  return workersPerShard.flatMap((w, index) => Array.from({length: w}, (_, local) => shardShare(count > 1 ? {index, count} : undefined, local, w)))
}

/** The global items 0 … n-1 each share owns, by globalIndex over its shareCount. */
function owned(n: number, share: Share): number[] {
  return Array.from({length: shareCount(n, share)}, (_, k) => globalIndex(k, share))
}

/** How the arrival executors walk iterations: i from share.worker, step share.workers. */
function iterations(n: number, share: Share): number[] {
  const out: number[] = []
  for (let i = share.worker; i < n; i += share.workers) out.push(i)
  return out
}

const SPLITS = [[1], [3], [1, 2], [2, 1], [1, 2, 3], [4, 1, 1], [3, 5], [1, 1, 1, 1], [2, 7, 1, 3, 4]]

describe('shardShare', () => {
  it('is the plain worker share without a shard', () => {
    expect(shardShare(undefined, 2, 5)).toEqual({worker: 2, workers: 5})
  })

  it('gives local worker k of W in shard i of N {worker: i + N·k, workers: N·W}', () => {
    expect(shardShare({index: 1, count: 3}, 2, 4)).toEqual({worker: 7, workers: 12})
    expect(shardShare({index: 0, count: 1}, 0, 1)).toEqual({worker: 0, workers: 1})
  })

  it.each(SPLITS)('shards with workers %j own every VU index and iteration exactly once', (...split) => {
    const shares = sharesOf(split)
    for (const n of [0, 1, 2, 5, 7, 12, 13, 100, 101, 997]) {
      for (const walk of [owned, iterations]) {
        const all = shares.flatMap((s) => walk(n, s)).sort((a, b) => a - b)
        expect(all).toEqual(Array.from({length: n}, (_, i) => i))
      }
    }
  })

  it.each(SPLITS)('shareCount over shards with workers %j sums to n at every step of a ramp', (...split) => {
    const shares = sharesOf(split)
    // A ramping count: every value a ramp passes through, up and down.
    for (let n = 0; n <= 60; n++) expect(shares.reduce((sum, s) => sum + shareCount(n, s), 0)).toBe(n)
    // Fractional counts (vusAt of a ramp mid-step) are floored the same way everywhere.
    for (const n of [0.5, 3.99, 17.2]) expect(shares.reduce((sum, s) => sum + shareCount(n, s), 0)).toBe(Math.floor(n))
  })

  it('gives a ramping count to each share in index order (the lowest indices first)', () => {
    // When n grows by one, exactly the share owning index n gains one VU: no share's count ever drops on the way up.
    const shares = sharesOf([2, 3])
    for (let n = 0; n < 50; n++) {
      const gained = shares.filter((s) => shareCount(n + 1, s) !== shareCount(n, s))
      expect(gained).toHaveLength(1)
      expect(gained[0]!.worker).toBe(n % gained[0]!.workers)
    }
  })
})
