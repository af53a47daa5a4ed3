import type {RawResponse} from '../../client/http-json.js'
import type {ShopClient} from '../../client/shop-client.js'
import {SHOP_ROUTES, SHOP_SRV_LABEL, catalogueCacheOk, productCacheOk} from '../../protocol/index.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {checkOk} from './http-expect.js'
import {checkNotModified, header} from './media-util.js'
import {market, needShop, resolverOf, shopOf} from './shop-util.js'

/** A 200 page of the shop group (§17.2): JSON, a strong ETag, Content-Length, and Cache-Control by `rule`. */
function checkShopPage(res: RawResponse, rule: (cc: string | undefined) => boolean, ruleText: string, what: string): string {
  checkOk(res, what)
  const etag = header(res, 'etag')
  check(etag !== undefined && /^"[\x21\x23-\x7e]*"$/.test(etag), `${what}: expected a strong ETag (a quoted string, no W/), got ${JSON.stringify(etag)}`)
  checkEqual(header(res, 'content-length'), String(res.bytes.length), `${what}: Content-Length`)
  const cc = header(res, 'cache-control')
  check(rule(cc), `${what}: Cache-Control must be ${ruleText}, got ${JSON.stringify(cc)}`)
  return etag
}

const CATALOGUE_RULE = 'public with a max-age of at most 60 s'
const PRODUCT_RULE = 'no-cache or max-age=0 (stock changes with every order)'

/** How often a form of If-None-Match is tried while the page keeps changing under other cases. */
const CHANGED_TRIES = 5

/**
 * 304 for the ETag alone, weak, and in a list (§17.2, as §16.3 evaluates If-None-Match). Other
 * cases list products at the same time, which changes the catalogue: a 200 with an ETag other than
 * the one sent is a page that changed meanwhile, and the form is tried again with the new ETag (a
 * few times; a server whose ETag changes on every answer fails then).
 */
async function checkRevalidates(shop: ShopClient, path: string, etag: string): Promise<void> {
  let current = etag
  for (const form of [(e: string) => e, (e: string) => `W/${e}`, (e: string) => `"imh-other", ${e}`]) {
    for (let tries = 1; ; tries++) {
      const value = form(current)
      const res = await shop.raw('GET', path, {'if-none-match': value})
      const now = header(res, 'etag')
      if (res.status === 200 && now !== undefined && now !== current && tries < CHANGED_TRIES) {
        current = now
        continue
      }
      checkNotModified(res, current, `GET SHOP${path} with If-None-Match: ${value}${tries > 1 ? ` (tried ${tries} times as the page changed)` : ''}`)
      break
    }
  }
}

export const shopCatalogueCases: readonly CaseDefinition[] = [
  {
    id: 'shop.dns',
    section: '17.1',
    level: 'MUST',
    requirement: "GET /shop/entry names the shop by a DNS name without a port; SRV _imh-shop._tcp.NAME (or NAME's A record) leads to the shop group, which answers GET /catalogue with Host: NAME",
    async run(ctx) {
      const user = await ctx.newUser('dns')
      const shop = await needShop(ctx, user)
      const resolver = resolverOf(ctx) ?? "the system's DNS"
      const hint = resolverOf(ctx) === undefined ? ' (a test target names the shop in a zone only its own DNS server answers for: give it as --resolver)' : ''
      const at = await shop.locate().catch((err: Error) => {
        throw new CaseFailure(`finding the shop through ${resolver}: ${err.message}${hint}`)
      })
      const where = `${at.via === 'srv' ? `SRV ${SHOP_SRV_LABEL}.${at.host}` : `the A/AAAA record of ${at.host}`} (asked of ${resolver}) gives ${at.address}:${at.port}`
      const res = await shop.raw('GET', SHOP_ROUTES.catalogue).catch((err: Error) => {
        throw new CaseFailure(`${where}, where GET /catalogue failed: ${err.message}`)
      })
      const body = checkOk(res, `${where}; GET /catalogue there with Host: ${at.host}`)
      check(Array.isArray(body.products), `${where}; its GET /catalogue answers no products list: ${res.text.slice(0, 200)}`)
    },
  },
  {
    id: 'shop.catalogue-cache',
    section: '17.2',
    level: 'MUST',
    requirement: 'the catalogue carries a strong ETag and Cache-Control public, max-age ≤ 60; If-None-Match with its ETag answers 304; a new listing changes the ETag, and the old one then gets the full 200',
    async run(ctx) {
      const {seller, buyers: [buyer]} = await market(ctx, 1, 1)
      const shop = shopOf(ctx, buyer!)
      const path = SHOP_ROUTES.catalogue
      const etag = checkShopPage(await shop.raw('GET', path), catalogueCacheOk, CATALOGUE_RULE, `GET SHOP${path}`)
      await checkRevalidates(shop, path, etag)
      const {productId} = await shopOf(ctx, seller).list({title: 'imh listed after the first look', priceCents: 1, stock: 1})
      const what = `GET SHOP${path} with the ETag from before a new listing`
      const res = await shop.raw('GET', path, {'if-none-match': etag})
      check(res.status === 200, `${what}: expected the full 200 (the catalogue changed), got HTTP ${res.status}`)
      const next = checkShopPage(res, catalogueCacheOk, CATALOGUE_RULE, what)
      check(next !== etag, `${what}: the ETag ${etag} stayed the same though the body changed`)
      const ids = ((res.json as {products: {productId: string}[]}).products ?? []).map((p) => p.productId)
      // Other cases may list products meanwhile: the new one need not be first, only there.
      check(ids.includes(productId), `${what}: the new product ${productId} is not listed: ${JSON.stringify(ids.slice(0, 5))}…`)
    },
  },
  {
    id: 'shop.product-cache',
    section: '17.2',
    level: 'MUST',
    requirement: 'a product page carries a strong ETag and Cache-Control no-cache (or max-age=0), answers 304 to its ETag and HEAD like GET; an order that changes its stock changes the ETag',
    async run(ctx) {
      const {productId, buyers: [buyer]} = await market(ctx, 3, 1)
      const shop = shopOf(ctx, buyer!)
      const path = `${SHOP_ROUTES.product}${productId}`
      const first = await shop.raw('GET', path)
      const etag = checkShopPage(first, productCacheOk, PRODUCT_RULE, `GET SHOP${path}`)
      checkEqual((first.json as {product?: {stock?: unknown}}).product?.stock, 3, `GET SHOP${path}: stock of a product listed with 3`)
      await checkRevalidates(shop, path, etag)
      const head = await shop.raw('HEAD', path)
      checkEqual(head.status, 200, `HEAD SHOP${path}: status`)
      for (const name of ['etag', 'cache-control', 'content-type', 'content-length']) checkEqual(header(head, name), header(first, name), `HEAD SHOP${path}: ${name} (GET's)`)
      checkEqual(head.bytes.length, 0, `HEAD SHOP${path}: body length`)
      await shop.order(productId, 1, ctx.uniqueName('k'))
      const what = `GET SHOP${path} with the ETag from before an order took 1 of 3`
      const res = await shop.raw('GET', path, {'if-none-match': etag})
      check(res.status === 200, `${what}: expected the full 200 (stock changed), got HTTP ${res.status}: a cache would keep showing 3 in stock`)
      const next = checkShopPage(res, productCacheOk, PRODUCT_RULE, what)
      check(next !== etag, `${what}: the ETag stayed ${etag} though stock changed`)
      checkEqual((res.json as {product?: {stock?: unknown}}).product?.stock, 2, `${what}: stock`)
    },
  },
]
