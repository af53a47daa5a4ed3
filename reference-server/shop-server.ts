import {createHash} from 'node:crypto'
import type {IncomingMessage, Server, ServerResponse} from 'node:http'
import FindMyWay from 'find-my-way'
import {ImhError} from '../src/protocol/errors.js'
import {ifNoneMatchMatches} from '../src/protocol/media.js'
import {SHOP_ROUTES} from '../src/protocol/shop.js'
import {type TlsOptions, createJsonServer} from './http-util.js'
import type {ShopPage, ShopService} from './shop.js'

type PageOf = (params: Record<string, string | undefined>) => Promise<ShopPage>

/** A strong validator from the body itself: equal bodies get equal tags, any change a new one (§17.2). */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`
}

/** Sends a cacheable JSON page: 200 with ETag and Cache-Control, or 304 when If-None-Match matches (§17.2). */
export function sendPage(req: IncomingMessage, res: ServerResponse, page: ShopPage): void {
  const text = JSON.stringify({ret: 0, ...page.body})
  const etag = page.etag ?? etagOf(text)
  const validators = {'etag': etag, 'cache-control': page.cacheControl}
  const inm = req.headers['if-none-match']
  if (inm !== undefined && ifNoneMatchMatches(Array.isArray(inm) ? inm.join(', ') : inm, etag)) return void res.writeHead(304, validators).end()
  res.writeHead(200, {...validators, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text)})
  res.end(req.method === 'HEAD' ? undefined : text)
}

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '')
  } catch {
    return ''
  }
}

/**
 * The shop group (PROTOCOL.md §17.2): the catalogue and product pages, GET and HEAD, cacheable.
 * Routed by find-my-way; a path it does not know is 404, a known path with another method 405.
 */
export function createShopServer(service: ShopService, tls?: TlsOptions): Server {
  const router = FindMyWay({ignoreTrailingSlash: false})
  const pages: Array<[string, PageOf]> = [
    [SHOP_ROUTES.catalogue, () => service.cataloguePage()],
    [`${SHOP_ROUTES.product}:productId`, (params) => service.productPage(decode(params.productId))],
  ]
  // The page builder rides in the route's store; dispatch stays here, where errors become envelopes.
  for (const [path, pageOf] of pages) router.on(['GET', 'HEAD'], path, () => undefined, pageOf)
  return createJsonServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://shop').pathname
    const method = req.method ?? 'GET'
    const found = router.find(method === 'HEAD' ? 'HEAD' : 'GET', path)
    if (!found) throw new ImhError('IMH_ERR_NOT_FOUND', `no route ${path}`)
    if (method !== 'GET' && method !== 'HEAD') throw new ImhError('IMH_ERR_METHOD_NOT_ALLOWED', `${method} ${path}: use GET or HEAD`)
    sendPage(req, res, await (found.store as PageOf)(found.params))
  }, tls)
}
