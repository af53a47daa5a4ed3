import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {request} from 'undici'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import type {ReferenceServer} from '../../reference-server/index.js'

/** An HTTP group the proxy can stand in front of. */
export type ProxiedGroup = 'short' | 'qr' | 'media'

export interface ProxyRequest {
  method: string
  /** The group the request is for. */
  group: ProxiedGroup
  /** Path and query as the client sent them, the group's mount path taken off; the host part means nothing. */
  url: URL
  headers: Record<string, string>
  body: Buffer
}

export interface ProxyAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export type Forward = (req: ProxyRequest) => Promise<ProxyAnswer>

/** Decides what the client gets: usually `forward(req)`, changed where the double plants its bug. */
export type Tamper = (req: ProxyRequest, forward: Forward) => Promise<ProxyAnswer>

export interface GroupDouble {
  /** The scheduler to run the suite against: the real answer, with the group pointing at the proxy. */
  scheduler: string
  real: ReferenceServer
  close(): Promise<void>
}

export interface GroupDoubleOptions {
  /**
   * The HTTP groups behind the proxy: one group at the root, or each group with the base path it is
   * mounted under (`''` for the root). A path under no mount is answered 404, as a server would. A
   * mount may carry a query (`/api?tenant=t`): the scheduler lists it, and a request that lacks one
   * of its parameters is answered 404 too, as a server that routes on it would.
   */
  group: ProxiedGroup | Partial<Record<ProxiedGroup, string>>
  /** What the scheduler lists for each group, given the proxy's base URL for it and the real one; default the proxy's. */
  list?: (proxyBase: string, realBase: string) => string[]
}

// content-length is kept: a HEAD must carry GET's, and the proxy sets it again for bodies it sends.
const HOP_BY_HOP = new Set(['host', 'connection', 'transfer-encoding', 'keep-alive'])

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

const flat = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k)).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v!]))

/**
 * A broken or relocated HTTP group (short §3, qr §10, media §16): the reference server's behind a proxy that lets
 * `tamper` rewrite chosen exchanges. URLs of the real group in JSON and JSONP answers are
 * rewritten to the proxy, so nothing reaches the real group around it. Mounted under a base path,
 * the groups check that a client keeps the base path of a group URL (PROTOCOL.md §2.2).
 */
export async function startGroupDouble(tamper: Tamper, options: GroupDoubleOptions): Promise<GroupDouble> {
  const real = await startEmbeddedTarget()
  const mountOf = typeof options.group === 'string' ? {[options.group]: ''} : options.group
  // Longest mount path first, so `/api` is not taken for `/api/qr`'s.
  const mounts = Object.entries(mountOf)
    .map(([group, at]) => {
      const [path = '', query = ''] = at.split('?')
      return {group: group as ProxiedGroup, path: path.replace(/\/+$/, ''), query: new URLSearchParams(query), realBase: real.urls[group as ProxiedGroup]}
    })
    .sort((a, b) => b.path.length - a.path.length)
  let proxyOrigin = ''
  // A real base followed by a digit is another port's: `http://h:123` must not match in `http://h:1234`.
  const rewrite = (text: string): string =>
    mounts.reduce((t, m) => t.replace(new RegExp(`${m.realBase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9])`, 'g'), proxyOrigin + m.path), text)
  const forward: Forward = async (req) => {
    const headers = flat(req.headers)
    delete headers['content-length']
    const realBase = mounts.find((m) => m.group === req.group)!.realBase
    const res = await request(`${realBase}${req.url.pathname}${req.url.search}`, {method: req.method as 'GET', headers, body: req.body.length > 0 ? req.body : undefined})
    const body = Buffer.from(await res.body.arrayBuffer())
    const out = flat(res.headers)
    const text = /json|javascript/.test(out['content-type'] ?? '')
    return {status: res.statusCode, headers: out, body: text ? Buffer.from(rewrite(body.toString('utf8'))) : body}
  }
  const carriesQuery = (url: URL, query: URLSearchParams): boolean => [...query].every(([k, v]) => url.searchParams.getAll(k).includes(v))
  const notFound = (path: string, search: string): ProxyAnswer => ({
    status: 404,
    headers: {'content-type': 'application/json'},
    body: Buffer.from(JSON.stringify({ret: 404, code: 'IMH_ERR_NOT_FOUND', errMsg: `no such route: ${path}${search} (the proxy mounts ${mounts.map((m) => `${m.group} at ${m.path || '/'}${m.query.size > 0 ? `?${m.query}` : ''}`).join(', ')})`})),
  })
  const proxy = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://proxy.invalid')
      const mount = mounts.find((m) => (url.pathname === m.path || url.pathname.startsWith(`${m.path}/`)) && carriesQuery(url, m.query))
      const body = await readBody(req)
      let answer: ProxyAnswer
      if (mount) {
        url.pathname = url.pathname.slice(mount.path.length) || '/'
        answer = await tamper({method: req.method ?? 'GET', group: mount.group, url: new URL(`${url.pathname}${url.search}`, `http://${mount.group}.invalid`), headers: flat(req.headers), body}, forward)
      } else {
        answer = notFound(url.pathname, url.search)
      }
      const headers = {...answer.headers}
      if (req.method !== 'HEAD' && answer.status !== 304) headers['content-length'] = String(answer.body.length)
      res.writeHead(answer.status, headers)
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    })().catch((err: unknown) => {
      res.writeHead(502, {'content-type': 'text/plain'})
      res.end(`proxy: ${(err as Error).message}`)
    })
  })
  proxyOrigin = await listen(proxy)
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>; fallback: Record<string, string[]>}
      for (const m of mounts) {
        const base = `${proxyOrigin}${m.path}${m.query.size > 0 ? `?${m.query}` : ''}`
        const listed = options.list ? options.list(base, m.realBase) : [base]
        answer.groups[m.group] = listed
        if (answer.fallback[m.group]) answer.fallback[m.group] = listed
      }
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(answer))
    })()
  })
  const schedulerBase = await listen(scheduler)
  return {
    scheduler: `${schedulerBase}/dns`,
    real,
    async close() {
      for (const s of [proxy, scheduler]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
      await real.close()
    },
  }
}
