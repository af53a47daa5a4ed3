import {expect, it} from 'vitest'
import type {MemoryShopStoreOptions, ShopStore} from './shop-store.js'

const TTL = 1000

/** A store under test, and what it holds now (orders, idempotency keys): not part of the interface. */
export type MakeShopStore = (options?: MemoryShopStoreOptions) => Promise<{store: ShopStore; size: () => Promise<{orders: number; keys: number}>}>

async function listed(store: ShopStore, stock: number, now = 0) {
  return store.addProduct({seller: 'seller', title: 'tea', priceCents: 250, stock}, now)
}

/** The behaviour every ShopStore shares (PROTOCOL.md §17), run against each implementation. */
export function shopStoreSuite(make: MakeShopStore): void {

  it('reserves on order, answers a repeated key with the same order and reserves once', async () => {
    const {store: s} = await make()
    const p = await listed(s, 3)
    const a = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 2, idempotencyKey: 'k1'}, 10, TTL)
    expect(a).toMatchObject({status: 'created', replay: false, order: {state: 'created', amountCents: 500, expiresAt: 10 + TTL, seller: 'seller'}})
    const again = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 2, idempotencyKey: 'k1'}, 20, TTL)
    expect(again).toMatchObject({status: 'created', replay: true})
    expect(again.status === 'created' && a.status === 'created' && again.order.orderId === a.order.orderId).toBe(true)
    expect((await s.getProduct(p.productId, 20))!.available).toBe(1)
    expect(await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k1'}, 20, TTL)).toEqual({status: 'key-mismatch'})
    expect(await s.placeOrder({buyer: 'other', productId: p.productId, quantity: 2, idempotencyKey: 'k1'}, 20, TTL)).toEqual({status: 'sold-out'})
    expect(await s.placeOrder({buyer: 'b', productId: 'nope', quantity: 1, idempotencyKey: 'k9'}, 20, TTL)).toEqual({status: 'unknown-product'})
  })

  it('never oversells: 50 buyers at once for the last unit, exactly one wins', async () => {
    const {store: s} = await make()
    const p = await listed(s, 1)
    const results = await Promise.all(Array.from({length: 50}, (_, i) => s.placeOrder({buyer: `b${i}`, productId: p.productId, quantity: 1, idempotencyKey: 'k'}, 0, TTL)))
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'sold-out')).toHaveLength(49)
    expect((await s.getProduct(p.productId, 0))!.available).toBe(0)
  })

  it('charges exactly once: a repeated key returns the first payment, another key is refused', async () => {
    const {store: s} = await make()
    const p = await listed(s, 1)
    const placed = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k'}, 0, TTL)
    if (placed.status !== 'created') throw new Error('not created')
    const orderId = placed.order.orderId
    const first = await s.pay({buyer: 'b', orderId, idempotencyKey: 'pk'}, 5)
    const both = await Promise.all([s.pay({buyer: 'b', orderId, idempotencyKey: 'pk'}, 6), s.pay({buyer: 'b', orderId, idempotencyKey: 'pk2'}, 6)])
    expect(first).toMatchObject({status: 'paid', replay: false, order: {state: 'paid'}})
    expect(both[0]).toMatchObject({status: 'paid', replay: true})
    expect(first.status === 'paid' && both[0].status === 'paid' && both[0].payment).toEqual(first.status === 'paid' && first.payment)
    expect(both[1]).toMatchObject({status: 'state', order: {state: 'paid'}})
    expect(await s.pay({buyer: 'b', orderId: 'o999', idempotencyKey: 'pk'}, 7)).toEqual({status: 'key-mismatch'})
    expect(await s.pay({buyer: 'thief', orderId, idempotencyKey: 'x'}, 7)).toEqual({status: 'not-found'})
  })

  it('expires unpaid orders at expiresAt (fake clock): units come back, pay and cancel say expired', async () => {
    const {store: s} = await make()
    const p = await listed(s, 2)
    const placed = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 2, idempotencyKey: 'k'}, 100, TTL)
    if (placed.status !== 'created') throw new Error('not created')
    expect((await s.getProduct(p.productId, 100 + TTL - 1))!.available).toBe(0)
    expect((await s.getOrder(placed.order.orderId, 100 + TTL - 1))!.state).toBe('created')
    expect((await s.getProduct(p.productId, 100 + TTL))!.available).toBe(2)
    expect((await s.getOrder(placed.order.orderId, 100 + TTL))!.state).toBe('expired')
    expect(await s.pay({buyer: 'b', orderId: placed.order.orderId, idempotencyKey: 'pk'}, 100 + TTL)).toEqual({status: 'expired'})
    expect(await s.cancel('b', placed.order.orderId, 100 + TTL)).toEqual({status: 'expired'})
  })

  it('cancels and ships by the rules of §17.4', async () => {
    const {store: s} = await make()
    const p = await listed(s, 2)
    const one = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k1'}, 0, TTL)
    const two = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k2'}, 0, TTL)
    if (one.status !== 'created' || two.status !== 'created') throw new Error('not created')
    expect(await s.cancel('seller', one.order.orderId, 1)).toEqual({status: 'not-found'})
    expect(await s.cancel('b', one.order.orderId, 1)).toMatchObject({status: 'ok', order: {state: 'cancelled'}})
    expect(await s.cancel('b', one.order.orderId, 1)).toMatchObject({status: 'ok', order: {state: 'cancelled'}})
    expect((await s.getProduct(p.productId, 1))!.available).toBe(1)
    expect(await s.pay({buyer: 'b', orderId: one.order.orderId, idempotencyKey: 'pk'}, 1)).toMatchObject({status: 'state', order: {state: 'cancelled'}})
    expect(await s.ship('seller', two.order.orderId, 1)).toMatchObject({status: 'state', order: {state: 'created'}})
    await s.pay({buyer: 'b', orderId: two.order.orderId, idempotencyKey: 'pk2'}, 2)
    expect(await s.ship('b', two.order.orderId, 3)).toEqual({status: 'not-found'})
    expect(await s.ship('seller', two.order.orderId, 3)).toMatchObject({status: 'ok', order: {state: 'shipped'}})
    expect(await s.cancel('b', two.order.orderId, 4)).toMatchObject({status: 'state', order: {state: 'shipped'}})
    // Paid and shipped orders never expire.
    expect((await s.getOrder(two.order.orderId, 10 * TTL))!.state).toBe('shipped')
    expect((await s.getProduct(p.productId, 10 * TTL))!.available).toBe(1)
  })

  it('forgets a settled order with its payment and keys after the retention, and only then (§17.4)', async () => {
    const {store: s, size} = await make({retentionMs: 10 * TTL})
    const p = await listed(s, 3)
    const paid = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k'}, 0, TTL)
    const held = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k2'}, 0, TTL)
    if (paid.status !== 'created' || held.status !== 'created') throw new Error('not created')
    // The same string as an order key of one order and the pay key of another: each map keeps its own.
    await s.pay({buyer: 'b', orderId: paid.order.orderId, idempotencyKey: 'k2'}, 5)
    expect(await size()).toEqual({orders: 2, keys: 3})
    // Paid at 5, expired at TTL: each kept 10 TTL from then, the keys with it.
    expect((await s.getOrder(paid.order.orderId, 5 + 10 * TTL - 1))!.state).toBe('paid')
    expect(await s.pay({buyer: 'b', orderId: paid.order.orderId, idempotencyKey: 'k2'}, 5 + 10 * TTL - 1)).toMatchObject({status: 'paid', replay: true})
    expect(await s.getOrder(paid.order.orderId, 5 + 10 * TTL)).toBeUndefined()
    expect(await size()).toEqual({orders: 1, keys: 1})
    expect((await s.getOrder(held.order.orderId, 11 * TTL - 1))!.state).toBe('expired')
    expect(await s.getOrder(held.order.orderId, 11 * TTL)).toBeUndefined()
    expect(await size()).toEqual({orders: 0, keys: 0})
    // A key of a forgotten order is free again: a new attempt.
    expect(await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 2, idempotencyKey: 'k'}, 11 * TTL, TTL)).toMatchObject({status: 'created', replay: false})
  })

  it('keeps orders that are still created however long, and many settled ones within the retention', async () => {
    const {store: s, size} = await make({retentionMs: 1000})
    const p = await listed(s, 1_000_000)
    for (let t = 0; t < 2500; t++) {
      const r = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: `k${t}`}, t, 60_000)
      if (r.status === 'created') await s.pay({buyer: 'b', orderId: r.order.orderId, idempotencyKey: `p${t}`}, t)
    }
    // Paid each ms: about the last second's orders are held, not all 2500.
    const held = await size()
    expect(held.orders).toBeLessThanOrEqual(1001)
    expect(held.keys).toBeLessThanOrEqual(2002)
  })

  it('lists the catalogue newest first', async () => {
    const {store: s} = await make()
    for (let i = 0; i < 5; i++) await listed(s, 1, i)
    expect((await s.catalogue(3, 9)).map((p) => p.productId)).toEqual(['p5', 'p4', 'p3'])
  })
}
