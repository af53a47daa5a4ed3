import {describe, expect, it} from 'vitest'
import {imageBytes, ringFriends} from './moments.js'

describe('moments scenario helpers', () => {
  it('befriends the next neighbours on the ring, wrapping, never itself', () => {
    expect(ringFriends(0, 10, 4)).toEqual([1, 2])
    expect(ringFriends(9, 10, 4)).toEqual([0, 1])
    expect(ringFriends(0, 2, 4)).toEqual([1])
    expect(ringFriends(0, 1, 4)).toEqual([])
    expect(ringFriends(3, 10, 0)).toEqual([])
  })

  it('makes images of the size asked, starting with the PNG signature', () => {
    expect(imageBytes(4096)).toHaveLength(4096)
    expect(imageBytes(4096).subarray(1, 4).toString()).toBe('PNG')
    expect(imageBytes(3)).toHaveLength(3)
  })
})
