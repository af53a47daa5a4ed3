import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {PaymentsFeed, ShopClient} from '../src/client/shop-client.js'
import {VirtualClient} from '../src/client/virtual-client.js'
import {isImhError, type PaymentNotice} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {until} from './support/until.js'

let server: ReferenceServer
const clients: VirtualClient[] = []
let n = 0

/** A logged-in user with its long link; its shop client finds the shop through the server's own DNS. */
async function user(): Promise<{shop: ShopClient; client: VirtualClient; userId: string}> {
  const client = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `shop-e2e-${process.pid}-${++n}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(client)
  await client.start()
  return {shop: new ShopClient(client.short!, {resolver: server.resolver, timeoutMs: 5000}), client, userId: client.userId!}
}

beforeAll(async () => {
  server = await startReferenceServer({limits: {orderTtlMs: 600}})
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await server.close()
})

describe('the shop of the reference server (PROTOCOL.md §17)', () => {
  it('is found by its entry and DNS: SRV gives the port, the A record the address', async () => {
    const {shop} = await user()
    const at = await shop.locate()
    expect(at).toMatchObject({url: 'http://shop.imh.test', host: 'shop.imh.test', address: '127.0.0.1', via: 'srv', base: server.urls.shop})
    expect(server.resolver).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it('serves a cacheable catalogue and product page: 304 on a matching ETag, a new ETag when stock moves', async () => {
    const seller = await user()
    const buyer = await user()
    const {productId, url} = await seller.shop.list({title: 'green tea', priceCents: 1999, stock: 3})
    expect(url).toBe(`http://shop.imh.test/products/${productId}`)
    const first = await buyer.shop.catalogue()
    expect(first.status).toBe(200)
    expect(first.body.products[0]).toMatchObject({productId, title: 'green tea', priceCents: 1999, imageUrl: '', url})
    expect(first.cacheControl).toBe('public, max-age=10')
    expect((await buyer.shop.catalogue()).status).toBe(304)
    const page = await buyer.shop.product(productId)
    expect(page).toMatchObject({status: 200, cacheControl: 'public, no-cache', body: {product: {stock: 3, seller: seller.userId}}})
    expect((await buyer.shop.product(productId)).status).toBe(304)
    await buyer.shop.order(productId, 2, 'k1')
    const after = await buyer.shop.product(productId)
    expect(after.status).toBe(200)
    expect(after.body.product.stock).toBe(1)
    expect(after.etag).not.toBe(page.etag)
    const head = await buyer.shop.raw('HEAD', `/products/${productId}`)
    expect(head.status).toBe(200)
    expect(head.bytes.length).toBe(0)
    expect(head.headers.etag).toBe(after.etag)
    expect((await buyer.shop.raw('GET', '/products/nope')).json).toMatchObject({code: 'IMH_ERR_PRODUCT_NOT_FOUND'})
    expect((await buyer.shop.raw('GET', '/elsewhere')).json).toMatchObject({code: 'IMH_ERR_NOT_FOUND'})
    expect((await buyer.shop.raw('POST', '/catalogue')).json).toMatchObject({code: 'IMH_ERR_METHOD_NOT_ALLOWED'})
  })

  it('orders, pays once and pushes the payment notice by SYNC category payments', async () => {
    const seller = await user()
    const buyer = await user()
    const {productId} = await seller.shop.list({title: 'mooncake', priceCents: 500, stock: 1})
    const feed = new PaymentsFeed(buyer.client)
    const got: PaymentNotice[] = []
    buyer.client.on('payment', (p) => got.push(p))
    const {order} = await buyer.shop.order(productId, 1, 'o-1')
    expect(order).toMatchObject({state: 'created', amountCents: 500, buyer: buyer.userId, seller: seller.userId})
    expect(order.expiresInMs).toBeGreaterThan(0)
    const noticed = feed.noticeOf(order.orderId)
    const paid = await buyer.shop.pay(order.orderId, 'p-1')
    const again = await buyer.shop.pay(order.orderId, 'p-1')
    expect(again.payment).toEqual(paid.payment)
    expect(paid.order.state).toBe('paid')
    const other = await buyer.shop.pay(order.orderId, 'p-2').catch((e: unknown) => e)
    expect(isImhError(other, 'IMH_ERR_ORDER_STATE')).toBe(true)
    expect(await noticed).toMatchObject({kind: 'paid', orderId: order.orderId, paymentId: paid.payment.paymentId, amountCents: 500})
    await until(() => got.length > 0)
    expect(got).toMatchObject([{kind: 'paid', orderId: order.orderId, paymentId: paid.payment.paymentId, amountCents: 500}])
    await feed.pull()
    expect(got).toHaveLength(1)
    expect((await seller.shop.ship(order.orderId)).order.state).toBe('shipped')
    expect((await buyer.shop.getOrder(order.orderId)).order).toMatchObject({state: 'shipped', paymentId: paid.payment.paymentId})
    feed.stop()
  })

  it('expires an unpaid order after its TTL and releases the stock', async () => {
    const seller = await user()
    const buyer = await user()
    const {productId} = await seller.shop.list({title: 'lantern', priceCents: 100, stock: 1})
    const {order} = await buyer.shop.order(productId, 1, 'o')
    expect((await buyer.shop.product(productId)).body.product.stock).toBe(0)
    await new Promise((r) => setTimeout(r, order.expiresInMs! + 50))
    const err = await buyer.shop.pay(order.orderId, 'p').catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_ORDER_EXPIRED')).toBe(true)
    expect((await buyer.shop.getOrder(order.orderId)).order.state).toBe('expired')
    expect((await buyer.shop.product(productId)).body.product.stock).toBe(1)
  })
})
