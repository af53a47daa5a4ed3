import type {IncomingMessage, ServerResponse} from 'node:http'
import {sendJson} from './json-server.js'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS'

/** What the router found besides the request. */
export interface RouteMatch {
  url: URL
  /** What a trailing `*` of the route's path matched, as sent (still percent-encoded); '' otherwise. */
  rest: string
}

/** One route of an HTTP group, declared by the flow that serves it. */
export interface HttpRoute {
  /** The methods it answers; any other gets 405 naming these. '*': every method. */
  method: HttpMethod | readonly HttpMethod[] | '*'
  /** A static path, or a prefix ending in `*` that takes the rest of the path. */
  path: string
  handle(req: IncomingMessage, res: ServerResponse, match: RouteMatch): Promise<void>
}

/** A route answering HTTP 200 with `{ret: 0, ...what run returns}` (PROTOCOL.md §3.1). */
export function jsonRoute(at: Pick<HttpRoute, 'method' | 'path'>, run: (req: IncomingMessage, url: URL) => Promise<object>): HttpRoute {
  return {method: at.method, path: at.path, handle: async (req, res, {url}) => sendJson(res, 200, {ret: 0, ...(await run(req, url))})}
}
