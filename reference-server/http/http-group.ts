import type {Server} from 'node:http'
// find-my-way (a radix-tree router) for every HTTP group: one place decides 404 and 405 from the
// routes the flows declare, static paths and prefixes alike, instead of a hand-written dispatch
// per group.
import Router from 'find-my-way'
import {ImhError} from '../../src/protocol/index.js'
import {type TlsOptions, createJsonServer} from './json-server.js'
import type {HttpMethod, HttpRoute} from './route.js'

export interface HttpGroupOptions {
  routes: readonly HttpRoute[]
  /** Headers set on every answer of the group, errors included. */
  headers?: Readonly<Record<string, string>>
  tls?: TlsOptions
}

/**
 * An HTTP(S) server routing to `routes`. The path picks the route first, then the method, as
 * PROTOCOL.md §3.7 has it: an unknown path answers 404 IMH_ERR_NOT_FOUND, a known path with
 * another method 405 IMH_ERR_METHOD_NOT_ALLOWED naming the methods it takes, even where a prefix
 * route of that method would take the path.
 */
export function createHttpGroup(options: HttpGroupOptions): Server {
  const byPath = new Map<string, Map<HttpMethod | '*', HttpRoute>>()
  for (const route of options.routes) {
    let methods = byPath.get(route.path)
    if (!methods) byPath.set(route.path, (methods = new Map()))
    for (const m of typeof route.method === 'string' ? [route.method] : route.method) {
      if (methods.has(m)) throw new Error(`two routes for ${m} ${route.path}`)
      methods.set(m, route)
    }
  }
  // One tree of paths (filed under GET) whose store is the path's routes by method. Parameters
  // are read by the routes themselves, so no length limit of the router applies.
  const router = Router({maxParamLength: Number.MAX_SAFE_INTEGER})
  for (const [path, methods] of byPath) router.on('GET', path, () => undefined, methods)
  const headers = Object.entries(options.headers ?? {})

  return createJsonServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://group')
    for (const [name, value] of headers) res.setHeader(name, value)
    // Paths match as sent: escaping '%' undoes the router's percent-decoding, and a route
    // decodes what it reads of the path itself.
    const found = router.find('GET', url.pathname.replaceAll('%', '%25'))
    if (!found) throw new ImhError('IMH_ERR_NOT_FOUND', `no route ${url.pathname}`)
    const methods = found.store as Map<string, HttpRoute>
    const route = methods.get(req.method ?? 'GET') ?? methods.get('*')
    if (!route) throw new ImhError('IMH_ERR_METHOD_NOT_ALLOWED', `${req.method} ${url.pathname}: use ${[...methods.keys()].join(' or ')}`)
    await route.handle(req, res, {url, rest: found.params['*'] ?? ''})
  }, options.tls)
}
