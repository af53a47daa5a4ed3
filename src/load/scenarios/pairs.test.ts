import {describe, expect, it} from 'vitest'
import {shardShare, shareCount, globalIndex} from '../executors/share.js'
import {peerOf} from './pairs.js'

describe('peerOf', () => {
  it('pairs 2m with 2m+1 in a whole run', () => {
    expect([0, 1, 2, 3, 10, 11].map((i) => peerOf(i))).toEqual([1, 0, 3, 2, 11, 10])
  })

  it.each([2, 3, 5])('keeps every pair inside its offline shard (of %i), each index paired once', (count) => {
    for (let j = 0; j < 200; j++) {
      const peer = peerOf(j, count)
      expect(peer % count).toBe(j % count)
      expect(peer).not.toBe(j)
      expect(peerOf(peer, count)).toBe(j)
    }
  })

  it('pairs the lowest indices of a shard first, so a shard of an odd count leaves one client unpaired, the highest', () => {
    // Shard 1 of 3 with 2 workers, 7 of the run's 20 clients: indices 1, 4, 7, … 19.
    const shares = [0, 1].map((k) => shardShare({index: 1, count: 3}, k, 2))
    const mine = shares.flatMap((s) => Array.from({length: shareCount(20, s)}, (_, k) => globalIndex(k, s))).sort((a, b) => a - b)
    expect(mine).toEqual([1, 4, 7, 10, 13, 16, 19])
    const unpaired = mine.filter((j) => !mine.includes(peerOf(j, 3)))
    expect(unpaired).toEqual([19])
  })
})
