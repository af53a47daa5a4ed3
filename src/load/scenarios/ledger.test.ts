import {describe, expect, it} from 'vitest'
import {countLost, Ledger} from './ledger.js'

describe('ledger', () => {
  it('joins acknowledgements and deliveries recorded by different workers', () => {
    const sender = new Ledger()
    const receiver = new Ledger()
    for (let n = 0; n < 5; n++) sender.acked(0, n)
    for (const n of [0, 1, 3, 4]) receiver.delivered(0, n)
    expect(countLost([sender.report(), receiver.report()])).toBe(1)
    expect(countLost([receiver.report(), sender.report()])).toBe(1)
  })

  it('reports a second delivery of the same message as a duplicate', () => {
    const l = new Ledger()
    expect(l.delivered(3, 7)).toBe(true)
    expect(l.delivered(3, 7)).toBe(false)
    expect(l.delivered(4, 7)).toBe(true)
  })

  it('does not count a delivery nobody acknowledged as lost', () => {
    const l = new Ledger()
    l.delivered(1, 0)
    expect(countLost([l.report()])).toBe(0)
  })
})
