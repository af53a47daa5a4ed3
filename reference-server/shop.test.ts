import type {IncomingMessage} from 'node:http'
import {describe, expect, it} from 'vitest'
import {isImhError} from '../src/protocol/errors.js'
import {ShopService} from './shop.js'
import {syncCategory} from './shop-sync.js'
import {MemoryMediaStore} from './store/media-store.js'
import {MemoryShopStore} from './store/shop-store.js'

/** A service whose "requests" carry the caller in a header and a JSON body, on a fake clock. */
function setup() {
  let now = 1_000
  const media = new MemoryMediaStore()
  const notified: string[] = []
  const service = new ShopService({
    shop: new MemoryShopStore(), media, limits: {shortMaxBodyBytes: 65536, orderTtlMs: 500},
    authenticate: async (req) => String(req.headers['x-user']), mediaBase: () => 'http://media', shopUrl: () => 'http://shop.imh.test',
    notify: (u) => void notified.push(u), clock: () => now,
  })
  const routes = service.shortRoutes()
  const call = async (user: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> => {
    const route = routes.find((r) => r.method === method && r.path === path.split('?')[0])!
    const text = body === undefined ? '' : JSON.stringify(body)
    const req = Object.assign((async function* () {
      if (text) yield Buffer.from(text)
    })(), {headers: {'x-user': user, 'content-type': 'application/json', 'content-length': String(text.length)}}) as unknown as IncomingMessage
    return route.handle(req, new URL(path, 'http://short')) as Promise<Record<string, any>>
  }
  return {service, media, notified, call, tick: (ms: number) => (now += ms)}
}

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (isImhError(e) ? e.code : String(e)))

describe('ShopService (PROTOCOL.md §17)', () => {
  it('lists with the seller\'s own image only, and renders it on the media group', async () => {
    const {call, media, service} = setup()
    const mine = await media.put('s', 'image/png', Buffer.from('png'))
    const theirs = await media.put('x', 'image/png', Buffer.from('png'))
    expect(await code(call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 1, mediaId: theirs.mediaId}))).toBe('IMH_ERR_MEDIA_NOT_FOUND')
    const {productId, url} = await call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 1, mediaId: mine.mediaId})
    expect(url).toBe(`http://shop.imh.test/products/${productId}`)
    expect((await service.productPage(productId)).body).toMatchObject({product: {imageUrl: `http://media/media/${mine.mediaId}`, seller: 's', stock: 1}})
    expect((await service.cataloguePage()).body).toMatchObject({products: [{productId, url}]})
    expect(await code(service.productPage('../x'))).toBe('IMH_ERR_PRODUCT_NOT_FOUND')
  })

  it('counts expiresInMs down on its clock, notifies once per payment, and maps refusals to codes', async () => {
    const {call, notified, tick} = setup()
    const {productId} = await call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 2})
    const {order} = await call('b', 'POST', '/shop/order', {productId, quantity: 1, idempotencyKey: 'k'})
    expect(order).toMatchObject({state: 'created', expiresAt: 1_500, expiresInMs: 500})
    tick(200)
    expect((await call('b', 'GET', `/shop/order?orderId=${order.orderId}`)).order.expiresInMs).toBe(300)
    expect(await code(call('x', 'GET', `/shop/order?orderId=${order.orderId}`))).toBe('IMH_ERR_ORDER_NOT_FOUND')
    expect((await call('s', 'GET', `/shop/order?orderId=${order.orderId}`)).order.buyer).toBe('b')
    const first = await call('b', 'POST', '/shop/pay', {orderId: order.orderId, idempotencyKey: 'p'})
    await call('b', 'POST', '/shop/pay', {orderId: order.orderId, idempotencyKey: 'p'})
    expect(notified).toEqual(['b'])
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

describe('syncCategory over the payments inbox (PROTOCOL.md §6.4–§6.6, §17.6)', () => {
  it('pages, acknowledges, resyncs a foreign epoch or a seq from the future, and refuses limit 0', async () => {
    const {call, service} = setup()
    const {productId} = await call('s', 'POST', '/shop/list', {title: 't', priceCents: 5, stock: 3})
    for (const k of ['a', 'b', 'c']) {
      const {order} = await call('b', 'POST', '/shop/order', {productId, quantity: 1, idempotencyKey: k})
      await call('b', 'POST', '/shop/pay', {orderId: order.orderId, idempotencyKey: k})
    }
    const inbox = service.paymentsInbox
    const limits = {syncPageDefault: 2, syncPageMax: 1000}
    const first = await syncCategory(inbox, 'b', {syncKey: {epoch: 0, seq: 0}}, limits) as {syncKey: {epoch: number; seq: number}; payments: unknown[]; continue: boolean}
    expect(first).toMatchObject({syncKey: {seq: 2}, continue: true})
    expect(first.payments).toHaveLength(2)
    const rest = await syncCategory(inbox, 'b', {syncKey: first.syncKey}, limits)
    expect(rest).toMatchObject({syncKey: {epoch: first.syncKey.epoch, seq: 3}, continue: false, payments: [{seq: 3, kind: 'paid'}]})
    expect(rest.resync).toBeUndefined()
    // Acknowledged up to 2: a fresh start now sees only seq 3.
    expect(await syncCategory(inbox, 'b', {syncKey: {epoch: 0, seq: 0}}, limits)).toMatchObject({payments: [{seq: 3}]})
    expect(await syncCategory(inbox, 'b', {syncKey: {epoch: first.syncKey.epoch + 1, seq: 3}}, limits)).toMatchObject({resync: true, syncKey: {epoch: first.syncKey.epoch}})
    expect(await syncCategory(inbox, 'b', {syncKey: {epoch: first.syncKey.epoch, seq: 99}}, limits)).toMatchObject({resync: true})
    expect(await code(syncCategory(inbox, 'b', {syncKey: {epoch: 0, seq: 0}, limit: 0}, limits))).toBe('IMH_ERR_BAD_BODY')
    expect(await code(syncCategory(inbox, 'b', {limit: 1}, limits))).toBe('IMH_ERR_BAD_BODY')
    expect(await syncCategory(inbox, 'nobody', {syncKey: {epoch: 0, seq: 0}}, limits)).toMatchObject({payments: [], syncKey: {seq: 0}, continue: false})
  })
})

describe('startShopNode', () => {
  it('refuses a shop name outside its zone, naming the option', async () => {
    const {startShopNode} = await import('./shop-node.js')
    const base = {shop: new MemoryShopStore(), limits: {shortMaxBodyBytes: 1024, orderTtlMs: 1000}, authenticate: async () => 'u', mediaBase: () => '', notify: () => {}}
    for (const name of ['shop.example.com', 'bad name.imh.test']) {
      await expect(startShopNode({...base, name})).rejects.toMatchObject({code: 'IMH_ERR_INVALID_OPTION', details: {option: 'shopName'}})
    }
  })
})
