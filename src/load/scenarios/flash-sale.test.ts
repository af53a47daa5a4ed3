import {describe, expect, it} from 'vitest'
import {joinReports} from '../metrics/joined-counter.js'
import {parseProfile} from '../profile/load-profile.js'
import {FlashSaleLedger, OVERSOLD, countOversold, flashSale} from './flash-sale.js'

const options = (fields = '') => parseProfile(`scenarios: {s: {scenario: flash-sale, executor: constant-vus, vus: 2, duration: 1s${fields}}}`, 'sale.yaml').scenarios[0]!.options

describe('flash-sale scenario (PROTOCOL.md §17)', () => {
  it('fills option defaults and names a bad option', () => {
    expect(options()).toMatchObject({stock: 5, saleGapMs: 500, repeatPay: true, notifyTimeoutMs: 5000, heartbeatIntervalMs: 'server'})
    expect(options(', stock: 1, repeatPay: false, saleGap: 2s')).toMatchObject({stock: 1, repeatPay: false, saleGapMs: 2000})
    expect(() => options(', stock: 0')).toThrow(/stock/)
    expect(() => options(', repeatPay: yes')).toThrow(/repeatPay.*true or false/)
    expect(() => options(', notifyTimeout: 0s')).toThrow(/notifyTimeout/)
  })

  it('joins what the workers saw: units paid beyond the stock shown, per product', () => {
    const w1 = new FlashSaleLedger()
    const w2 = new FlashSaleLedger()
    w1.paid('p1', 2, 1)
    w1.paid('p1', 2, 1)
    w2.paid('p1', 2, 1)
    w2.paid('p2', 3, 1)
    expect(w1.report()).toEqual({sales: [['p1', 2, 2]]})
    // p1: 3 paid of 2 shown, one oversold; p2 under its stock, which offsets nothing.
    expect(countOversold([w1.report(), w2.report()])).toBe(1)
    expect(joinReports(OVERSOLD.name, OVERSOLD.join, [{oversold: w1.report()}, {}])).toBe(0)
  })

  it('declares its metrics once each, oversold joined over the workers', () => {
    const names = flashSale.metrics.map((m) => m.name)
    expect(names).toEqual(['order_latency', 'pay_latency', 'pay_notify', 'orders', 'paid', 'sold_out', 'double_charged', 'oversold'])
    expect(new Set(names).size).toBe(names.length)
    expect(flashSale.metrics.filter((m) => m.kind === 'counter').every((m) => m.reportZero)).toBe(true)
    expect(OVERSOLD.join).toBeDefined()
  })
})
