import {sleep} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {expectCode} from './moments-util.js'
import {market, oneOrder, placed, pullPayments, shopApi, stockOf, syncPayments} from './shop-util.js'
import {FrameLog} from './util.js'

export const shopPayCases: readonly CaseDefinition[] = [
  {
    id: 'shop.double-pay',
    section: '17.5',
    level: 'MUST',
    requirement: 'paying twice with one idempotencyKey (two at once, then again) answers the first payment each time and charges once: one paymentId, one notice; another key is 409 IMH_ERR_ORDER_STATE',
    async run(ctx) {
      const {buyer, s, order} = await oneOrder(ctx)
      const key = ctx.uniqueName('pay')
      const [x, y] = await Promise.all([s.pay(order.orderId, key), s.pay(order.orderId, key)])
      checkEqual(y.payment.paymentId, x.payment.paymentId, 'paymentIds of two pays with one idempotencyKey at the same moment (two ids: charged twice)')
      const z = await s.pay(order.orderId, key)
      checkEqual(z.payment, x.payment, 'the payment answered to a repeated pay (must be the first, unchanged)')
      checkEqual([x.payment.amountCents, z.order.state], [order.amountCents, 'paid'], 'amountCents of the payment and the order state')
      await expectCode(shopApi(buyer, 'shopPay', {orderId: order.orderId, idempotencyKey: ctx.uniqueName('pay')}), 'IMH_ERR_ORDER_STATE', 'a pay of the paid order under another idempotencyKey')
      const {link} = await ctx.authedLink(buyer)
      const reply = await syncPayments(new FrameLog(link), 'after paying one order four times')
      const mine = reply.payments.filter((p) => p.orderId === order.orderId)
      check(mine.length === 1 && mine[0]!.paymentId === x.payment.paymentId, `the buyer's payments inbox holds ${mine.length} notices for the order (${JSON.stringify(mine.map((p) => p.paymentId))}); one payment must leave one notice, of ${x.payment.paymentId}`)
    },
  },
  {
    id: 'shop.pay-foreign',
    section: '17.5',
    level: 'MUST',
    requirement: "paying another user's order answers 404 IMH_ERR_ORDER_NOT_FOUND and changes nothing: the order stays created and its buyer can still pay it",
    async run(ctx) {
      const {productId, buyers: [buyer, thief], shop} = await market(ctx, 1, 2)
      const order = await placed(shop(buyer!), productId, ctx.uniqueName('k'))
      await expectCode(shopApi(thief!, 'shopPay', {orderId: order.orderId, idempotencyKey: ctx.uniqueName('pay')}), 'IMH_ERR_ORDER_NOT_FOUND', "another user's pay of the order")
      checkEqual((await shop(buyer!).getOrder(order.orderId)).order.state, 'created', "state of the order after another user's pay")
      checkEqual((await shop(buyer!).pay(order.orderId, ctx.uniqueName('pay'))).order.state, 'paid', "state after the buyer's own pay")
    },
  },
  {
    id: 'shop.pay-expired',
    section: '17.4',
    level: 'MUST',
    requirement: 'an order unpaid past its announced expiresInMs is expired: pay answers 410 IMH_ERR_ORDER_EXPIRED, GET shows "expired", and its units are on sale again',
    waits: 'expiresInMs',
    async run(ctx) {
      const {productId, buyer, s, order} = await oneOrder(ctx)
      const wait = ctx.needWait('expiresInMs', order.expiresInMs!)
      checkEqual(await stockOf(s, productId), 0, 'stock while the order holds the only unit')
      await sleep(wait + ctx.ms(300))
      await expectCode(shopApi(buyer, 'shopPay', {orderId: order.orderId, idempotencyKey: ctx.uniqueName('pay')}), 'IMH_ERR_ORDER_EXPIRED', `a pay ${wait + ctx.ms(300)} ms after an order announced expiresInMs ${wait}`)
      checkEqual((await s.getOrder(order.orderId)).order.state, 'expired', 'state of the order after its expiry')
      checkEqual(await stockOf(s, productId), 1, "stock after the order expired (its unit must be released)")
    },
  },
  {
    id: 'shop.pay-cancelled',
    section: '17.5',
    level: 'MUST',
    requirement: 'paying a cancelled order answers 409 IMH_ERR_ORDER_STATE and charges nothing; cancelling it again answers it unchanged',
    async run(ctx) {
      const {productId, buyer, s, order} = await oneOrder(ctx)
      checkEqual((await s.cancel(order.orderId)).order.state, 'cancelled', 'state after cancel')
      await expectCode(shopApi(buyer, 'shopPay', {orderId: order.orderId, idempotencyKey: ctx.uniqueName('pay')}), 'IMH_ERR_ORDER_STATE', 'a pay of a cancelled order')
      const after = (await s.cancel(order.orderId)).order
      check(after.state === 'cancelled' && after.paymentId === undefined, `a second cancel answered ${JSON.stringify(after)}; expected the cancelled order, unpaid`)
      checkEqual(await stockOf(s, productId), 1, 'stock after the cancel and the refused pay')
    },
  },
  {
    id: 'shop.pay-notify',
    section: '17.6',
    level: 'MUST',
    requirement: 'a pay notifies the online buyer with SYNC_NOTIFY {category: "payments"}; SYNC {category: "payments"} then returns {kind: "paid", orderId, paymentId, amountCents}',
    async run(ctx) {
      const {productId, buyers: [buyer], shop} = await market(ctx, 1, 1)
      const {link} = await ctx.authedLink(buyer!)
      const log = new FrameLog(link)
      const order = await placed(shop(buyer!), productId, ctx.uniqueName('k'))
      const mark = log.frames.length
      const {payment} = await shop(buyer!).pay(order.orderId, ctx.uniqueName('pay'))
      const reply = await pullPayments(ctx, log, mark, 'after the pay')
      const notice = reply.payments.find((p) => p.orderId === order.orderId)
      if (!notice) throw new CaseFailure(`SYNC {category: "payments"} returned no notice for order ${order.orderId}: ${JSON.stringify(reply.payments).slice(0, 300)}`)
      checkEqual([notice.kind, notice.paymentId, notice.amountCents], ['paid', payment.paymentId, payment.amountCents], 'kind, paymentId and amountCents of the notice')
      check(reply.syncKey.seq >= notice.seq && reply.syncKey.epoch > 0, `syncKey ${JSON.stringify(reply.syncKey)} does not cover the notice's seq ${notice.seq}`)
    },
  },
]
