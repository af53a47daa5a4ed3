import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {request} from 'undici'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import type {ReferenceServer} from '../../reference-server/index.js'

export interface ProxyRequest {
  method: string
  /** Path and query as the client sent them; the host part means nothing. */
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
  /** The HTTP group behind the proxy. */
  group: 'qr' | 'media'
  /** What the scheduler lists for the group, given the proxy's and the real group's base URLs. */
  list: (proxyBase: string, realBase: string) => string[]
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
 * A broken HTTP group (qr §10, media §16): the reference server's behind a proxy that lets
 * `tamper` rewrite chosen exchanges. URLs of the real group in JSON and JSONP answers are
 * rewritten to the proxy, so nothing reaches the real group around it.
 */
export async function startGroupDouble(tamper: Tamper, options: GroupDoubleOptions): Promise<GroupDouble> {
  const real = await startEmbeddedTarget()
  const realBase = real.urls[options.group]
  let proxyBase = ''
  const forward: Forward = async (req) => {
    const headers = flat(req.headers)
    delete headers['content-length']
    const res = await request(`${realBase}${req.url.pathname}${req.url.search}`, {method: req.method as 'GET', headers, body: req.body.length > 0 ? req.body : undefined})
    const body = Buffer.from(await res.body.arrayBuffer())
    const out = flat(res.headers)
    const text = /json|javascript/.test(out['content-type'] ?? '')
    return {status: res.statusCode, headers: out, body: text ? Buffer.from(body.toString('utf8').split(realBase).join(proxyBase)) : body}
  }
  const proxy = createServer((req, res) => {
    void (async () => {
      const answer = await tamper({method: req.method ?? 'GET', url: new URL(req.url ?? '/', `http://${options.group}.invalid`), headers: flat(req.headers), body: await readBody(req)}, forward)
      const headers = {...answer.headers}
      if (req.method !== 'HEAD' && answer.status !== 304) headers['content-length'] = String(answer.body.length)
      res.writeHead(answer.status, headers)
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    })().catch((err: unknown) => {
      res.writeHead(502, {'content-type': 'text/plain'})
      res.end(`${options.group} proxy: ${(err as Error).message}`)
    })
  })
  proxyBase = await listen(proxy)
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>}
      answer.groups[options.group] = options.list(proxyBase, realBase)
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
