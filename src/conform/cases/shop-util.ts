import type {RawResponse} from '../../client/http-json.js'
import {ShopClient} from '../../client/shop-client.js'
import {type OrderView, type PaymentsSyncReply, SHOP_SHORT_ROUTES} from '../../protocol/index.js'
import type {CaseContext, TestUser} from '../context.js'
import {check} from '../expect.js'
import {api} from './moments-util.js'
import {pullAfterNotify, syncFromStart} from './sync-category.js'
import type {FrameLog} from './util.js'

// Helpers of the shop cases (PROTOCOL.md §17).

export const S = SHOP_SHORT_ROUTES

/**
 * The DNS server the shop's name is asked of: the one given to `imh conform` (`--resolver`, or the
 * embedded target's own), else the system's (§17.1).
 */
export function resolverOf(ctx: CaseContext): string | undefined {
  return ctx.target.resolver
}

/** A shop client of `user` through the target's resolver, traced. */
export function shopOf(ctx: CaseContext, user: TestUser): ShopClient {
  return new ShopClient(user.short, {resolver: resolverOf(ctx), dispatcher: ctx.target.dispatcher, timeoutMs: ctx.ms(10_000), trace: ctx.trace.sink})
}

/**
 * `user`'s shop client. A target without a shop never gets here: the shop's feature probe (its first
 * route, GET /shop/entry, answered 404) makes its cases unimplemented before they start.
 */
export async function needShop(ctx: CaseContext, user: TestUser): Promise<ShopClient> {
  return shopOf(ctx, user)
}

/** A fresh seller with a fresh product of `stock` units; `buyers` fresh users beside. */
export async function market(ctx: CaseContext, stock: number, buyers = 1): Promise<{seller: TestUser; productId: string; buyers: TestUser[]; shop: (u: TestUser) => ShopClient}> {
  const seller = await ctx.newUser('seller')
  await needShop(ctx, seller)
  const {productId} = await shopOf(ctx, seller).list({title: `imh product of ${seller.username}`, priceCents: 1234, stock})
  const list: TestUser[] = []
  for (let i = 0; i < buyers; i++) list.push(await ctx.newUser('buyer'))
  return {seller, productId, buyers: list, shop: (u) => shopOf(ctx, u)}
}

/** The product's stock now, as its page shows it. */
export async function stockOf(shop: ShopClient, productId: string): Promise<number> {
  return (await shop.product(productId)).body.product.stock
}

/** An order the buyer placed, checked to be `created` with the announced TTL fields. */
export async function placed(shop: ShopClient, productId: string, key: string, quantity = 1): Promise<OrderView> {
  const {order} = await shop.order(productId, quantity, key)
  check(order.state === 'created', `POST /shop/order answered an order in state "${order.state}", expected "created"`)
  check(order.expiresInMs !== undefined, 'a created order must carry expiresInMs (PROTOCOL.md §17.4)')
  return order
}

/** A fresh product of one unit and a fresh buyer who ordered it: where the payment cases start. */
export async function oneOrder(ctx: CaseContext): Promise<{productId: string; buyer: TestUser; s: ShopClient; order: OrderView}> {
  const {productId, buyers: [buyer], shop} = await market(ctx, 1, 1)
  const s = shop(buyer!)
  return {productId, buyer: buyer!, s, order: await placed(s, productId, ctx.uniqueName('k'))}
}

/** A raw short-link request of the shop (for refusals). */
export function shopApi(user: TestUser, route: keyof typeof S, body?: unknown, query = ''): Promise<RawResponse> {
  const r = S[route]
  return api(user, r.method, r.path + query, body)
}

/** SYNC of the payments inbox from the start (§17.6), checked to be {syncKey, payments, continue}. */
export function syncPayments(log: FrameLog, what: string): Promise<PaymentsSyncReply> {
  return syncFromStart(log, 'payments', what)
}

/** Waits for SYNC_NOTIFY {category: "payments"} after `mark`, then pulls the inbox. */
export function pullPayments(ctx: CaseContext, log: FrameLog, mark: number, what: string): Promise<PaymentsSyncReply> {
  return pullAfterNotify(ctx, log, mark, 'payments', 'buyer', what)
}
