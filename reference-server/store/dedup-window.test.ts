import {describe, expect, it} from 'vitest'
import {DedupWindow} from './dedup-window.js'

const reply = (n: number) => ({serverMsgId: String(1000 + n), seq: n, sendTime: 1_718_000_000_000 + n})

describe('DedupWindow', () => {
  it('gives back the first reply of a remembered clientMsgId, nothing for an unknown one', () => {
    const w = new DedupWindow(10)
    w.add('a', reply(1))
    expect(w.get('a')).toEqual(reply(1))
    expect(w.get('b')).toBeUndefined()
  })

  it('forgets the oldest past its capacity, across the growth of its array and many wraps', () => {
    const w = new DedupWindow(100)
    for (let i = 0; i < 1000; i++) w.add(`c${i}`, reply(i))
    expect(w.get('c899')).toBeUndefined()
    for (let i = 900; i < 1000; i++) expect(w.get(`c${i}`)).toEqual(reply(i))
  })

  it('keeps a window of one', () => {
    const w = new DedupWindow(1)
    w.add('a', reply(1))
    w.add('b', reply(2))
    expect(w.get('a')).toBeUndefined()
    expect(w.get('b')).toEqual(reply(2))
  })
})
