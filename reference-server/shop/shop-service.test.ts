import type {IncomingMessage, ServerResponse} from 'node:http'
import {describe, expect, it} from 'vitest'
import {isImhError} from '../../src/protocol/index.js'
import {MemoryMediaStore} from '../media/media-store.js'
import {MemoryStore} from '../store/memory-store.js'
import type {StoreEvent} from '../store/store.js'
import {ShopService} from './shop-service.js'
import {MemoryShopStore} from './shop-store.js'

/**
 * A service whose "requests" carry the caller's name in a header and a JSON body, on a fake clock,
 * over a shared store holding the users s (seller), b (buyer) and x (a stranger).
 */
async function setup() {
  let now = 1_000
  const media = new MemoryMediaStore()
  const store = new MemoryStore()
  const ids: Record<string, string> = {}
  for (const name of ['s', 'b', 'x']) ids[name] = (await store.createUser(name, 'h'))!.userId
  const notified: string[] = []
  store.subscribe((e: StoreEvent) => void (e.type === 'notify' && e.category === 'payments' && notified.push(e.userId)))
  const service = new ShopService({
    shop: new MemoryShopStore(), store, media, limits: {shortMaxBodyBytes: 65536, orderTtlMs: 500},
    authenticate: async (req) => ids[String(req.headers['x-user'])]!, mediaBase: () => 'http://media', shopUrl: () => 'http://shop.imh.test',
    clock: () => now,
  })
  const routes = service.shortRoutes()
  const call = async (user: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> => {
    const url = new URL(path, 'http://short')
    const route = routes.find((r) => r.method === method && r.path === url.pathname)!
    const text = body === undefined ? '' : JSON.stringify(body)
    const req = Object.assign((async function* () {
      if (text) yield Buffer.from(text)
    })(), {headers: {'x-user': user, 'content-type': 'application/json', 'content-length': String(text.length)}}) as unknown as IncomingMessage
    let answer = ''
    const res = {writeHead: () => res, end: (t: string) => void (answer = t)} as unknown as ServerResponse
    await route.handle(req, res, {url, rest: ''})
    return JSON.parse(answer) as Record<string, any>
  }
  return {service, store, media, ids, notified, call, tick: (ms: number) => (now += ms)}
}

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isImhError(e) ? e.code : String(e)))

describe('ShopService (PROTOCOL.md §17)', () => {
  it('lists with the seller\'s own image only, and renders it on the media group', async () => {
    const {call, media, service, ids} = await setup()
    const mine = await media.put(ids.s!, 'image/png', Buffer.from('png'))
    const theirs = await media.put(ids.x!, 'image/png', Buffer.from('png'))
    expect(await code(call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 1, mediaId: theirs.mediaId}))).toBe('IMH_ERR_MEDIA_NOT_FOUND')
    const {productId, url} = await call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 1, mediaId: mine.mediaId})
    expect(url).toBe(`http://shop.imh.test/products/${productId}`)
    expect((await service.productPage(productId)).body).toMatchObject({product: {imageUrl: `http://media/media/${mine.mediaId}`, seller: ids.s, stock: 1}})
    expect((await service.cataloguePage()).body).toMatchObject({products: [{productId, url}]})
    expect(await code(service.productPage('../x'))).toBe('IMH_ERR_PRODUCT_NOT_FOUND')
  })

  it('counts expiresInMs down on its clock, notifies once per payment, and maps refusals to codes', async () => {
    const {call, notified, tick, ids, store} = await setup()
    const {productId} = await call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 2})
    const {order} = await call('b', 'POST', '/shop/order', {productId, quantity: 1, idempotencyKey: 'k'})
    expect(order).toMatchObject({state: 'created', expiresAt: 1_500, expiresInMs: 500})
    tick(200)
    expect((await call('b', 'GET', `/shop/order?orderId=${order.orderId}`)).order.expiresInMs).toBe(300)
    expect(await code(call('x', 'GET', `/shop/order?orderId=${order.orderId}`))).toBe('IMH_ERR_ORDER_NOT_FOUND')
    expect((await call('s', 'GET', `/shop/order?orderId=${order.orderId}`)).order.buyer).toBe(ids.b)
    const first = await call('b', 'POST', '/shop/pay', {orderId: order.orderId, idempotencyKey: 'p'})
    await call('b', 'POST', '/shop/pay', {orderId: order.orderId, idempotencyKey: 'p'})
    expect(notified).toEqual([ids.b])
    // One payment, one notice in the buyer's payments inbox (§17.6), however often it is paid.
    const inbox = await store.readInbox(ids.b!, 0, 10, 'payments')
    expect(inbox.entries).toMatchObject([{seq: 1, kind: 'paid', orderId: order.orderId, paymentId: first.payment.paymentId, amountCents: 5}])
    expect(first.order.expiresInMs).toBeUndefined()
    expect(await code(call('b', 'POST', '/shop/pay', {orderId: 'o9', idempotencyKey: 'p'}))).toBe('IMH_ERR_IDEMPOTENCY_MISMATCH')
    const late = await call('b', 'POST', '/shop/order', {productId, quantity: 1, idempotencyKey: 'k2'})
    tick(500)
    expect(await code(call('b', 'POST', '/shop/pay', {orderId: late.order.orderId, idempotencyKey: 'p2'}))).toBe('IMH_ERR_ORDER_EXPIRED')
    expect(await code(call('b', 'POST', '/shop/order', {productId, quantity: 2, idempotencyKey: 'k3'}))).toBe('IMH_ERR_SOLD_OUT')
    expect(await code(call('b', 'POST', '/shop/order', {productId: 'nope', quantity: 1, idempotencyKey: 'k4'}))).toBe('IMH_ERR_PRODUCT_NOT_FOUND')
    expect(await code(call('b', 'POST', '/shop/order', {productId, quantity: 1}))).toBe('IMH_ERR_BAD_REQUEST')
    expect((await call('b', 'GET', '/shop/entry')).url).toBe('http://shop.imh.test')
  })
})
