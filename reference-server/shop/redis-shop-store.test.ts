import {describe, expect, it} from 'vitest'
import {redisTests, warnIfNoRedis} from '../../test/support/redis.js'
import {redisBackends} from '../../test/support/redis-stores.js'
import {RedisShopStore} from './redis-shop-store.js'
import {shopStoreSuite} from './shop-store-suite.js'

warnIfNoRedis('the Redis shop store tests')

describe.runIf(redisTests)('RedisShopStore (PROTOCOL.md §17)', () => {
  const redis = redisBackends()
  shopStoreSuite(async (options) => {
    const store = new RedisShopStore(await redis.backend(), options)
    return {store, size: () => store.size()}
  })

  it('two stores on one Redis sell the last unit once', async () => {
    const backend = await redis.backend()
    const a = new RedisShopStore(backend)
    const b = new RedisShopStore(backend)
    const p = await a.addProduct({seller: 's', title: 't', priceCents: 1, stock: 1, mediaId: 'm1'}, 0)
    expect((await b.getProduct(p.productId, 0))!.mediaId).toBe('m1')
    const results = await Promise.all(Array.from({length: 50}, (_, i) => (i % 2 ? a : b).placeOrder({buyer: `b${i}`, productId: p.productId, quantity: 1, idempotencyKey: 'k'}, 0, 1000)))
    expect(results.filter((r) => r.status === 'created')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'sold-out')).toHaveLength(49)
  })

  it('gives a settled order’s keys a TTL, so Redis drops them even if no step sweeps', async () => {
    const backend = await redis.backend()
    const s = new RedisShopStore(backend, {retentionMs: 5000})
    const p = await s.addProduct({seller: 's', title: 't', priceCents: 1, stock: 1}, 0)
    const placed = await s.placeOrder({buyer: 'b', productId: p.productId, quantity: 1, idempotencyKey: 'k'}, 0, 1000)
    if (placed.status !== 'created') throw new Error('not created')
    expect(await backend.client.pttl(backend.key('shop', 'o', placed.order.orderId))).toBe(-1)
    await s.pay({buyer: 'b', orderId: placed.order.orderId, idempotencyKey: 'pk'}, 1)
    for (const key of await backend.client.keys(backend.key('shop', '*key:*'))) expect(await backend.client.pttl(key)).toBeGreaterThan(5000)
    expect(await backend.client.pttl(backend.key('shop', 'o', placed.order.orderId))).toBeGreaterThan(5000)
  })
})
