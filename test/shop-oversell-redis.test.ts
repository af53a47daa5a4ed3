import {describe, expect, it} from 'vitest'
import {ShopClient} from '../src/client/shop-client.js'
import {isImhError} from '../src/protocol/index.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {redisBackends} from './support/redis-stores.js'
import {startRedisGroup} from './support/redis-group.js'

warnIfNoRedis('the two-node flash sale on Redis')

describe.runIf(redisTests)('a flash sale over two nodes sharing one Redis (PROTOCOL.md §2.5, §17.4)', () => {
  const redis = redisBackends()

  it('sells the last unit once: 50 buyers at once on both nodes, one order, 49 IMH_ERR_SOLD_OUT', async () => {
    const group = await startRedisGroup(redis.url(), {flows: ['core', 'media', 'shop']})
    try {
      const seller = new ShopClient((await group.user(0, 'seller')).short!)
      const {productId} = await seller.list({title: 'the last mooncake', priceCents: 800, stock: 1})
      const buyers = (await group.users(50, 'buyer')).map((c, i) => new ShopClient(c.short!, {resolver: group.nodes[i % 2]!.resolver, timeoutMs: 15_000}))
      expect(new Set(buyers.map((b) => new URL(b.short.baseUrl).port)).size).toBe(2)
      const results = await Promise.allSettled(buyers.map((b, i) => b.order(productId, 1, `k${i}`)))
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown)
      expect(won).toHaveLength(1)
      expect(lost.filter((e) => isImhError(e) && (e.details?.serverCode ?? e.code) === 'IMH_ERR_SOLD_OUT')).toHaveLength(49)
      // Both nodes' shop groups show the one sale.
      for (const b of [buyers[0]!, buyers[1]!]) expect((await b.product(productId)).body.product.stock).toBe(0)
    } finally {
      await group.close()
    }
  })
})
