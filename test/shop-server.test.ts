import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fetchSchedulerAnswer} from '../src/client/resolve.js'
import {LongLink} from '../src/client/long-link.js'
import {ShortClient} from '../src/client/short-client.js'
import {PaymentsFeed, ShopClient} from '../src/client/shop-client.js'
import {CMD, isImhError} from '../src/protocol/index.js'
import type {PaymentNotice} from '../src/protocol/shop.js'
import {type ShopTarget, startShopTarget} from './doubles/shop-target.js'
import {until} from './support/until.js'

let target: ShopTarget
let shortUrl: string
let longUrl: string
let n = 0

async function user(): Promise<{shop: ShopClient; short: ShortClient; userId: string}> {
  const short = new ShortClient(shortUrl)
  const credentials = {username: `shop-e2e-${process.pid}-${++n}`, password: 'pw'}
  await short.register(credentials)
  const {userId} = await short.login(credentials)
  return {shop: new ShopClient(short, {resolver: target.resolver, timeoutMs: 5000}), short, userId}
}

beforeAll(async () => {
  target = await startShopTarget({orderTtlMs: 600})
  const answer = await fetchSchedulerAnswer(target.scheduler)
  shortUrl = answer.groups.short[0]!
  longUrl = answer.groups.long[0]!
})
afterAll(() => target.close())

describe('the shop of the reference server (PROTOCOL.md §17)', () => {
  it('is found by its entry and DNS: SRV gives the port, the A record the address', async () => {
    const {shop} = await user()
    const at = await shop.locate()
    expect(at).toMatchObject({url: 'http://shop.imh.test', host: 'shop.imh.test', address: '127.0.0.1', via: 'srv', base: target.shop.bound})
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
    const link = await LongLink.connect(longUrl)
    await link.call(CMD.AUTH, {token: buyer.short.token})
    const feed = new PaymentsFeed(link)
    const got: PaymentNotice[] = []
    feed.on('payment', (p) => got.push(p))
    const {order} = await buyer.shop.order(productId, 1, 'o-1')
    expect(order).toMatchObject({state: 'created', amountCents: 500, buyer: buyer.userId, seller: seller.userId})
    expect(order.expiresInMs).toBeGreaterThan(0)
    const paid = await buyer.shop.pay(order.orderId, 'p-1')
    const again = await buyer.shop.pay(order.orderId, 'p-1')
    expect(again.payment).toEqual(paid.payment)
    expect(paid.order.state).toBe('paid')
    const other = await buyer.shop.pay(order.orderId, 'p-2').catch((e: unknown) => e)
    expect(isImhError(other, 'IMH_ERR_ORDER_STATE')).toBe(true)
    await until(() => got.length > 0)
    expect(got).toMatchObject([{kind: 'paid', orderId: order.orderId, paymentId: paid.payment.paymentId, amountCents: 500}])
    await feed.pull()
    expect(got).toHaveLength(1)
    expect((await seller.shop.ship(order.orderId)).order.state).toBe('shipped')
    expect((await buyer.shop.getOrder(order.orderId)).order).toMatchObject({state: 'shipped', paymentId: paid.payment.paymentId})
    feed.stop()
    link.close()
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
