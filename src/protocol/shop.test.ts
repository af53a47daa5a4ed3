import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {thrownField} from '../../test/support/thrown.js'
import {ERRORS} from './errors.js'
import {
  MAX_ORDER_QUANTITY, SHOP_CACHE_CONTROL_CATALOGUE, SHOP_CACHE_CONTROL_PRODUCT, catalogueCacheOk, checkShopUrl, parseListing,
  parseOrderReply, parseOrderRequest, parsePayRequest, parsePaymentsSyncReply, productCacheOk, shopFlow,
} from './shop.js'

const field = thrownField

const order = {orderId: 'o1', productId: 'p1', buyer: 'u1', seller: 'u2', quantity: 1, amountCents: 5, state: 'created', createTime: 1, expiresAt: 2, expiresInMs: 1}

describe('shop bodies (PROTOCOL.md §17)', () => {
  it('checks listings and names the field', () => {
    expect(parseListing({title: 'tea', priceCents: 199, stock: 3})).toEqual({title: 'tea', priceCents: 199, stock: 3})
    expect(parseListing({title: 'tea', priceCents: 199, stock: 3, mediaId: 'm'}).mediaId).toBe('m')
    expect(field(() => parseListing({title: '', priceCents: 1, stock: 1}))).toBe('IMH_ERR_BAD_REQUEST:title')
    expect(field(() => parseListing({title: 't', priceCents: 1.5, stock: 1}))).toBe('IMH_ERR_BAD_REQUEST:priceCents')
    expect(field(() => parseListing({title: 't', priceCents: 0, stock: 1}))).toBe('IMH_ERR_BAD_REQUEST:priceCents')
    expect(field(() => parseListing({title: 't', priceCents: 1, stock: 0}))).toBe('IMH_ERR_BAD_REQUEST:stock')
    expect(field(() => parseListing({title: 't', priceCents: 1, stock: 1, mediaId: ''}))).toBe('IMH_ERR_BAD_REQUEST:mediaId')
  })

  it('checks orders and pays', () => {
    expect(parseOrderRequest({productId: 'p', quantity: 2, idempotencyKey: 'k', extra: 1})).toEqual({productId: 'p', quantity: 2, idempotencyKey: 'k'})
    expect(field(() => parseOrderRequest({productId: 'p', quantity: MAX_ORDER_QUANTITY + 1, idempotencyKey: 'k'}))).toBe('IMH_ERR_BAD_REQUEST:quantity')
    expect(field(() => parseOrderRequest({productId: 'p', quantity: 1}))).toBe('IMH_ERR_BAD_REQUEST:idempotencyKey')
    expect(field(() => parseOrderRequest({productId: 'p', quantity: 1, idempotencyKey: 'k'.repeat(129)}))).toBe('IMH_ERR_BAD_REQUEST:idempotencyKey')
    expect(field(() => parsePayRequest({orderId: 'o', idempotencyKey: 3}))).toBe('IMH_ERR_BAD_REQUEST:idempotencyKey')
  })

  it('reads replies and refuses off-spec ones', () => {
    expect(parseOrderReply({ret: 0, order}).order.state).toBe('created')
    expect(field(() => parseOrderReply({ret: 0, order: {...order, state: 'lost'}}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:state')
    const sync = parsePaymentsSyncReply({syncKey: {epoch: 1, seq: 1}, payments: [{seq: 1, kind: 'paid', orderId: 'o', paymentId: 'p', amountCents: 5, sendTime: 1}], continue: false})
    expect(sync.payments).toHaveLength(1)
    expect(field(() => parsePaymentsSyncReply({syncKey: {epoch: 1, seq: 1}, payments: [{seq: 1, kind: 'paid'}], continue: false}))).toBe('IMH_ERR_PROTOCOL_VIOLATION:orderId')
  })

  it('accepts only a DNS name without a port as the shop URL (§17.1)', () => {
    expect(checkShopUrl('http://shop.imh.test').hostname).toBe('shop.imh.test')
    expect(checkShopUrl('https://shop.example/base').pathname).toBe('/base')
    for (const bad of ['http://127.0.0.1', 'http://[::1]', 'http://shop.imh.test:8080', 'ftp://shop.imh.test', 'shop']) {
      expect(field(() => checkShopUrl(bad)), bad).toBe('IMH_ERR_PROTOCOL_VIOLATION:url')
    }
  })

  it('judges Cache-Control by the rules of §17.2, allowing other choices', () => {
    expect(catalogueCacheOk(SHOP_CACHE_CONTROL_CATALOGUE)).toBe(true)
    expect(catalogueCacheOk('max-age=60, public')).toBe(true)
    expect(catalogueCacheOk('public, max-age=61')).toBe(false)
    expect(catalogueCacheOk('public')).toBe(false)
    expect(catalogueCacheOk('private, max-age=5')).toBe(false)
    expect(productCacheOk(SHOP_CACHE_CONTROL_PRODUCT)).toBe(true)
    expect(productCacheOk('public, max-age=0')).toBe(true)
    expect(productCacheOk('public, max-age=5')).toBe(false)
    expect(productCacheOk('no-store')).toBe(false)
  })

  it('declares error codes that exist and are in §9 and §17', () => {
    const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
    for (const code of shopFlow.errors) {
      expect(ERRORS[code], code).toBeDefined()
      expect(doc.includes(`\`${code}\``), code).toBe(true)
    }
    expect(doc).toContain('<a id="s17.6"></a>')
  })
})
