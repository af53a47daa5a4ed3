import {describe, expect, it} from 'vitest'
import {Directory} from './directory.js'

describe('Directory', () => {
  it('keeps the indexes of each scenario apart, also across workers', () => {
    const shipped: Array<[string, string]> = []
    const worker1 = new Directory((e) => shipped.push(...e))
    const worker2 = new Directory()
    worker1.scope('chat').publish(2, 'u-chat-2')
    worker1.scope('calls').publish(2, 'u-talk-2')
    worker2.learn(shipped)
    expect(worker2.scope('chat').lookup(2)).toBe('u-chat-2')
    expect(worker2.scope('calls').lookup(2)).toBe('u-talk-2')
    expect(worker2.scope('moments').lookup(2)).toBeUndefined()
  })
})
