import {createHash} from 'node:crypto'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {ImhError, SHOP_ROUTES, ifNoneMatchMatches} from '../../src/protocol/index.js'
import type {HttpRoute} from '../http/route.js'
import type {ShopPage, ShopService} from './shop-service.js'

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

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return ''
  }
}

/**
 * The shop group's routes (PROTOCOL.md §17.2): the catalogue and product pages, GET and HEAD,
 * cacheable. The HTTP group answers other paths 404 and other methods 405.
 */
export function shopPageRoutes(service: ShopService): HttpRoute[] {
  return [
    {method: ['GET', 'HEAD'], path: SHOP_ROUTES.catalogue, handle: async (req, res) => sendPage(req, res, await service.cataloguePage())},
    {
      method: ['GET', 'HEAD'],
      path: `${SHOP_ROUTES.product}*`,
      handle: async (req, res, {url, rest}) => {
        // A product id is one path segment; anything deeper is another path.
        if (rest.includes('/')) throw new ImhError('IMH_ERR_NOT_FOUND', `no route ${url.pathname}`)
        sendPage(req, res, await service.productPage(decode(rest)))
      },
    },
  ]
}
