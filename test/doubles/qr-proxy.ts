import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {request} from 'undici'
import {startEmbeddedTarget} from '../../src/conform/index.js'
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
export type QrTamper = (req: ProxyRequest, forward: Forward) => Promise<ProxyAnswer>

export interface QrDouble {
  /** The scheduler to run the suite against: the real answer, with the qr group pointing at the proxy. */
  scheduler: string
  real: ReferenceServer
  close(): Promise<void>
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'])

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

/**
 * A broken qr group made of the reference server's and an HTTP proxy in front of it that lets
 * `tamper` rewrite chosen exchanges. The URLs the real group hands out (qrImageUrl, redirectUrl)
 * are rewritten to the proxy, so nothing reaches the real group around it.
 */
export async function startQrDouble(tamper: QrTamper = (req, forward) => forward(req), options: {qr?: boolean} = {}): Promise<QrDouble> {
  const real = await startEmbeddedTarget()
  let proxyBase = ''
  const forward: Forward = async (req) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k)))
    const res = await request(`${real.urls.qr}${req.url.pathname}${req.url.search}`, {method: req.method as 'GET', headers, body: req.body.length > 0 ? req.body : undefined})
    const body = Buffer.from(await res.body.arrayBuffer())
    const type = String(res.headers['content-type'] ?? '')
    const text = /json|javascript/.test(type) ? body.toString('utf8').split(real.urls.qr).join(proxyBase) : undefined
    return {status: res.statusCode, headers: {'content-type': type}, body: text === undefined ? body : Buffer.from(text)}
  }
  const proxy = createServer((req, res) => {
    void (async () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]))
      const answer = await tamper({method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://qr.invalid'), headers, body: await readBody(req)}, forward)
      res.writeHead(answer.status, {...answer.headers, 'content-length': answer.body.length})
      res.end(answer.body)
    })().catch((err: unknown) => {
      res.writeHead(502, {'content-type': 'text/plain'})
      res.end(`qr proxy: ${(err as Error).message}`)
    })
  })
  proxyBase = await listen(proxy)
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>}
      answer.groups.qr = options.qr === false ? [] : [proxyBase]
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
