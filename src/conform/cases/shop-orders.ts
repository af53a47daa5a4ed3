import {MAX_ORDER_QUANTITY} from '../../protocol/index.js'
import type {TestUser} from '../context.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {checkFail, show} from './http-expect.js'
import {expectCode} from './moments-util.js'
import {market, placed, shopApi, stockOf} from './shop-util.js'

const BUYERS = 50

export const shopOrderCases: readonly CaseDefinition[] = [
  {
    id: 'shop.order-reserve',
    section: '17.4',
    level: 'MUST',
    requirement: 'an order reserves its units (stock drops); the same idempotencyKey answers the same order and reserves nothing, with another quantity 422 IMH_ERR_IDEMPOTENCY_MISMATCH; more than is left 409 IMH_ERR_SOLD_OUT; a cancel releases the units',
    async run(ctx) {
      const {productId, buyers: [buyer], shop} = await market(ctx, 4, 1)
      const s = shop(buyer!)
      const key = ctx.uniqueName('k')
      const order = await placed(s, productId, key, 2)
      checkEqual(order.amountCents, 2 * 1234, 'amountCents of 2 units at 1234')
      checkEqual(await stockOf(s, productId), 2, 'stock after an order of 2 of 4')
      const again = (await s.order(productId, 2, key)).order
      checkEqual(again.orderId, order.orderId, 'orderId answered to the same order repeated with its idempotencyKey')
      checkEqual(await stockOf(s, productId), 2, 'stock after the repeated order (it must reserve nothing)')
      await expectCode(shopApi(buyer!, 'shopOrder', {productId, quantity: 1, idempotencyKey: key}), 'IMH_ERR_IDEMPOTENCY_MISMATCH', 'the same idempotencyKey for another quantity')
      await expectCode(shopApi(buyer!, 'shopOrder', {productId, quantity: 3, idempotencyKey: ctx.uniqueName('k')}), 'IMH_ERR_SOLD_OUT', 'an order of 3 when 2 are left')
      await expectCode(shopApi(buyer!, 'shopOrder', {productId: 'imh-no-such-product', quantity: 1, idempotencyKey: ctx.uniqueName('k')}), 'IMH_ERR_PRODUCT_NOT_FOUND', 'an order of a product that does not exist')
      checkEqual((await s.cancel(order.orderId)).order.state, 'cancelled', 'state after the buyer cancels')
      checkEqual(await stockOf(s, productId), 4, 'stock after the order of 2 was cancelled')
    },
  },
  {
    id: 'shop.last-item',
    section: '17.4',
    level: 'MUST',
    requirement: `${BUYERS} buyers order the last unit at the same moment: exactly one gets it, every other one 409 IMH_ERR_SOLD_OUT, and the product then shows stock 0`,
    async run(ctx) {
      const {productId, shop} = await market(ctx, 1, 0)
      const buyers: TestUser[] = []
      while (buyers.length < BUYERS) buyers.push(...(await Promise.all(Array.from({length: 10}, () => ctx.newUser('race')))))
      const results = await Promise.all(buyers.map((b) => shopApi(b, 'shopOrder', {productId, quantity: 1, idempotencyKey: 'imh-last-item'})))
      const won = results.filter((r) => r.status === 200)
      const soldOut = results.filter((r) => (r.json as {code?: unknown} | undefined)?.code === 'IMH_ERR_SOLD_OUT')
      const other = results.find((r) => r.status !== 200 && !soldOut.includes(r))
      check(won.length <= 1, `${won.length} of ${BUYERS} buyers got an order for the last unit: the product was oversold by ${won.length - 1}`)
      check(won.length === 1, `none of ${BUYERS} buyers got the last unit${other ? `; one was answered ${show(other)}` : ''}`)
      check(other === undefined, `a buyer who did not get the last unit was answered ${other ? show(other) : ''}, expected 409 IMH_ERR_SOLD_OUT`)
      checkFail(soldOut[0]!, 'IMH_ERR_SOLD_OUT', 'a losing buyer')
      checkEqual(await stockOf(shop(buyers[0]!), productId), 0, 'stock after the last unit was ordered')
    },
  },
  {
    id: 'shop.states',
    section: '17.4',
    level: 'MUST',
    requirement: 'created → paid → shipped: the seller ships a paid order; shipping an unpaid order or cancelling a paid one is 409 IMH_ERR_ORDER_STATE; an order is 404 IMH_ERR_ORDER_NOT_FOUND to anyone but its buyer and seller',
    async run(ctx) {
      const {seller, productId, buyers: [buyer, stranger], shop} = await market(ctx, 2, 2)
      const order = await placed(shop(buyer!), productId, ctx.uniqueName('k'))
      const ref = {orderId: order.orderId}
      await expectCode(shopApi(seller, 'shopShip', ref), 'IMH_ERR_ORDER_STATE', 'the seller ships an unpaid order')
      const paid = await shop(buyer!).pay(order.orderId, ctx.uniqueName('pay'))
      checkEqual(paid.order.state, 'paid', 'state after pay')
      await expectCode(shopApi(buyer!, 'shopCancel', ref), 'IMH_ERR_ORDER_STATE', 'the buyer cancels a paid order')
      await expectCode(shopApi(stranger!, 'shopShip', ref), 'IMH_ERR_ORDER_NOT_FOUND', 'someone other than the seller ships it')
      await expectCode(shopApi(stranger!, 'shopOrderGet', undefined, `?orderId=${encodeURIComponent(order.orderId)}`), 'IMH_ERR_ORDER_NOT_FOUND', "a stranger's GET /shop/order")
      checkEqual((await shop(seller).ship(order.orderId)).order.state, 'shipped', 'state after the seller ships')
      const seen = (await shop(buyer!).getOrder(order.orderId)).order
      checkEqual([seen.state, seen.paymentId], ['shipped', paid.payment.paymentId], "the buyer's GET /shop/order: state and paymentId")
    },
  },
  {
    id: 'shop.bad-body',
    section: '17.7',
    level: 'MUST',
    requirement: 'malformed listing, order, pay, cancel and order queries answer 400 IMH_ERR_BAD_REQUEST, and store nothing',
    async run(ctx) {
      const {productId, buyers: [b], shop} = await market(ctx, 2, 1)
      const bad = (route: Parameters<typeof shopApi>[1], body: unknown, what: string, query = '') => expectCode(shopApi(b!, route, body, query), 'IMH_ERR_BAD_REQUEST', what)
      await bad('shopList', {title: '', priceCents: 1, stock: 1}, 'POST /shop/list with an empty title')
      await bad('shopList', {title: 't', priceCents: 1.5, stock: 1}, 'POST /shop/list with a fractional price')
      await bad('shopList', {title: 't', priceCents: 1, stock: 0}, 'POST /shop/list with stock 0')
      await bad('shopOrder', {productId, quantity: 0, idempotencyKey: 'k'}, 'POST /shop/order of quantity 0')
      await bad('shopOrder', {productId, quantity: MAX_ORDER_QUANTITY + 1, idempotencyKey: 'k'}, `POST /shop/order of quantity ${MAX_ORDER_QUANTITY + 1}`)
      await bad('shopOrder', {productId, quantity: 1}, 'POST /shop/order without idempotencyKey')
      await bad('shopOrder', {productId, quantity: 1, idempotencyKey: 'k'.repeat(129)}, 'POST /shop/order with a 129-character idempotencyKey')
      await bad('shopPay', {orderId: 'x'}, 'POST /shop/pay without idempotencyKey')
      await bad('shopCancel', {}, 'POST /shop/cancel without orderId')
      await bad('shopOrderGet', undefined, 'GET /shop/order without orderId')
      checkEqual(await stockOf(shop(b!), productId), 2, 'stock after the refused orders')
    },
  },
]
