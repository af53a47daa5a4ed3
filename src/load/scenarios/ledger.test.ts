import {describe, expect, it} from 'vitest'
import {countLost, Ledger, type MessageId} from './ledger.js'

const id = (sender: number, incarnation: number, n: number, scope = 'chat'): MessageId => ({scope, sender, incarnation, n})

describe('ledger', () => {
  it('joins acknowledgements and deliveries recorded by different workers', () => {
    const sender = new Ledger()
    const receiver = new Ledger()
    for (let n = 0; n < 5; n++) sender.acked(id(0, 0, n))
    for (const n of [0, 1, 3, 4]) receiver.delivered(id(0, 0, n))
    expect(countLost([sender.report(), receiver.report()])).toBe(1)
    expect(countLost([receiver.report(), sender.report()])).toBe(1)
  })

  it('reports a second delivery of the same message as a duplicate', () => {
    const l = new Ledger()
    expect(l.delivered(id(3, 0, 7))).toBe('first')
    expect(l.delivered(id(3, 0, 7))).toBe('duplicate')
    expect(l.delivered(id(4, 0, 7))).toBe('first')
    expect(l.delivered(id(3, 1, 7))).toBe('first')
    expect(l.delivered(id(3, 0, 7, 'other'))).toBe('first')
  })

  it('does not count a delivery nobody acknowledged as lost', () => {
    const l = new Ledger()
    l.delivered(id(1, 0, 0))
    expect(countLost([l.report()])).toBe(0)
  })

  it('reconnect: the second life numbers from 0 again and does not deliver the first life\'s lost messages', () => {
    const sender = new Ledger()
    const receiver = new Ledger()
    // First life: 0..9 acknowledged, only 0..3 delivered before the link died.
    for (let n = 0; n < 10; n++) sender.acked(id(0, 0, n))
    for (let n = 0; n < 4; n++) expect(receiver.delivered(id(0, 0, n))).toBe('first')
    // Second life: 0..9 again, all delivered.
    for (let n = 0; n < 10; n++) {
      sender.acked(id(0, 1, n))
      expect(receiver.delivered(id(0, 1, n))).toBe('first')
    }
    expect(countLost([sender.report(), receiver.report()])).toBe(6)
  })

  it('restart of a server that forgot everything: acknowledged and never delivered is lost, in both directions', () => {
    const w0 = new Ledger() // holds client 0
    const w1 = new Ledger() // holds client 1
    for (let n = 0; n < 5; n++) {
      w0.acked(id(0, 0, n))
      w1.acked(id(1, 0, n))
    }
    // Delivered before the crash: 0..2 of each; 3, 4 were stored only in the lost memory.
    for (let n = 0; n < 3; n++) {
      w1.delivered(id(0, 0, n))
      w0.delivered(id(1, 0, n))
    }
    // After the restart both clients come back as new incarnations and chat on.
    for (let n = 0; n < 4; n++) {
      w0.acked(id(0, 1, n))
      w1.delivered(id(0, 1, n))
      w1.acked(id(1, 1, n))
      w0.delivered(id(1, 1, n))
    }
    expect(countLost([w0.report(), w1.report()])).toBe(4)
  })

  it('a new life of the receiver re-getting what its predecessor held is a redelivery, not a duplicate', () => {
    const l = new Ledger()
    for (let n = 0; n < 5; n++) expect(l.delivered(id(0, 0, n), 0)).toBe('first')
    // The receiver starts again and SYNCs from an epoch-0 key: the server returns 3, 4 it retained.
    expect(l.delivered(id(0, 0, 3), 1)).toBe('redelivered')
    expect(l.delivered(id(0, 0, 4), 1)).toBe('redelivered')
    expect(l.delivered(id(0, 0, 5), 1)).toBe('first')
    // The same life getting one twice is a duplicate.
    expect(l.delivered(id(0, 0, 4), 1)).toBe('duplicate')
    expect(l.delivered(id(0, 0, 0), 0)).toBe('duplicate')
  })

  it('reordering is counted within a conversation only', () => {
    const l = new Ledger()
    expect(l.delivered(id(0, 0, 0))).toBe('first')
    expect(l.delivered(id(0, 0, 2))).toBe('first')
    expect(l.delivered(id(0, 0, 1))).toBe('reordered')
    expect(l.delivered(id(0, 0, 1))).toBe('duplicate')
    expect(l.delivered(id(0, 0, 3))).toBe('first')
    // A new incarnation starts its own order: its 0 after the old life's 3 is in order.
    expect(l.delivered(id(0, 1, 0))).toBe('first')
  })

  it('reports stay small: a long in-order conversation is one run per side', () => {
    const l = new Ledger()
    for (let n = 0; n < 10_000; n++) {
      l.acked(id(0, 0, n))
      l.delivered(id(0, 0, n))
    }
    expect(l.report()).toEqual({acked: [['chat|0.0', [0, 10_000]]], delivered: [['chat|0.0', [0, 10_000]]]})
  })
})
