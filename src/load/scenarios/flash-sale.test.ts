import {describe, expect, it} from 'vitest'
import {FLASH_SALE_METRICS, FlashSaleLedger, countOversold, flashSaleOptions, flashSaleScenario} from './flash-sale.js'

describe('flash-sale scenario (PROTOCOL.md §17)', () => {
  it('fills option defaults and names a bad option', () => {
    expect(flashSaleOptions()).toEqual({stock: 5, saleGap: 500, repeatPay: true, notifyTimeout: 5000})
    expect(flashSaleOptions({stock: 1, repeatPay: false})).toMatchObject({stock: 1, repeatPay: false})
    expect(() => flashSaleOptions({stock: 0})).toThrow(/option stock must be an integer from 1 to 100000/)
    expect(() => flashSaleOptions({repeatPay: 'yes'})).toThrow(/option repeatPay must be true or false/)
    expect(() => flashSaleOptions({notifyTimeout: 99})).toThrow(/notifyTimeout .* \(ms\)/)
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
    expect(flashSaleScenario.join([w1.report()])).toEqual({oversold: 0})
  })

  it('declares the metrics the issue names, once each', () => {
    const names = FLASH_SALE_METRICS.map((m) => m.name)
    expect(names).toEqual(['order_latency', 'pay_latency', 'pay_notify', 'orders', 'paid', 'sold_out', 'oversold', 'double_charged'])
    expect(new Set(names).size).toBe(names.length)
  })
})
