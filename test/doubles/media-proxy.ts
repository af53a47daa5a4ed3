import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {request} from 'undici'
import {startEmbeddedTarget} from '../../src/conform/index.js'
import type {ReferenceServer} from '../../reference-server/index.js'

export interface MediaRequest {
  method: string
  url: URL
  headers: Record<string, string>
  body: Buffer
}

export interface MediaAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export type MediaForward = (req: MediaRequest) => Promise<MediaAnswer>

/** Decides what the client gets: usually `forward(req)`, changed where the double plants its bug. */
export type MediaTamper = (req: MediaRequest, forward: MediaForward) => Promise<MediaAnswer>

export interface MediaDouble {
  /** The scheduler to run the suite against: the real answer, with the media group pointing at the proxy. */
  scheduler: string
  real: ReferenceServer
  close(): Promise<void>
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
 * A broken media group: the reference server's behind an HTTP proxy that lets `tamper` rewrite
 * chosen exchanges. URLs in JSON answers (the upload's url) are rewritten to the proxy. The
 * scheduler lists the proxy first and the real group after it, since /profile's avatar URLs point
 * at the real one; `listReal: false` lists the proxy alone (then avatar URLs are outside the group).
 */
export async function startMediaDouble(tamper: MediaTamper = (req, forward) => forward(req), options: {media?: boolean; listReal?: boolean} = {}): Promise<MediaDouble> {
  const real = await startEmbeddedTarget()
  let proxyBase = ''
  const forward: MediaForward = async (req) => {
    const headers = flat(req.headers)
    delete headers['content-length']
    const res = await request(`${real.urls.media}${req.url.pathname}${req.url.search}`, {method: req.method as 'GET', headers, body: req.body.length > 0 ? req.body : undefined})
    const body = Buffer.from(await res.body.arrayBuffer())
    const out = flat(res.headers)
    const json = /json/.test(out['content-type'] ?? '')
    return {status: res.statusCode, headers: out, body: json ? Buffer.from(body.toString('utf8').split(real.urls.media).join(proxyBase)) : body}
  }
  const proxy = createServer((req, res) => {
    void (async () => {
      const answer = await tamper({method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://media.invalid'), headers: flat(req.headers), body: await readBody(req)}, forward)
      const headers = {...answer.headers}
      if (req.method !== 'HEAD' && answer.status !== 304) headers['content-length'] = String(answer.body.length)
      res.writeHead(answer.status, headers)
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    })().catch((err: unknown) => {
      res.writeHead(502, {'content-type': 'text/plain'})
      res.end(`media proxy: ${(err as Error).message}`)
    })
  })
  proxyBase = await listen(proxy)
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>}
      answer.groups.media = options.media === false ? [] : options.listReal === false ? [proxyBase] : [proxyBase, real.urls.media]
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
