import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {request} from 'undici'
import WebSocket, {WebSocketServer} from 'ws'
import {startEmbeddedTarget} from '../../src/conform/index.js'
import {CMD, ImhError, PUSH_SEQ, decodeFrame, encodeFrame, errorBody, isImhError, parseJsonBody} from '../../src/protocol/index.js'
import {SHOP_LIMIT_SPECS} from '../../src/protocol/shop.js'
import type {ZoneRecord} from '../../reference-server/dns-server.js'
import {createJsonServer, sendJson} from '../../reference-server/http-util.js'
import type {ReferenceServer} from '../../reference-server/index.js'
import type {ShopOptions, ShopService, ShopShortRoute, SyncCategoryInbox} from '../../reference-server/shop.js'
import {type ShopFlowInstance, shopServerFlow} from '../../reference-server/shop-flow.js'
import type {ShopNode} from '../../reference-server/shop-node.js'
import {syncCategory} from '../../reference-server/shop-sync.js'
import {authenticate} from '../../reference-server/short.js'
import {MemoryShopStore, type ShopStore} from '../../reference-server/store/shop-store.js'

/**
 * The reference server with the shop plugged in from outside, as the lead will wire it
 * (PROTOCOL.md §17): until the flow registries exist, the shop's short-link routes and the SYNC
 * category `payments` cannot be added to the reference server's own groups, so this target puts a
 * front before its short and long links: `/shop/*` goes to the ShopService, everything else to the
 * real groups; on the long link, SYNC {category: "payments"} is served from the shop's inbox and
 * its notifies are pushed. The scheduler lists the fronts. Test doubles plant bugs through the
 * options, exactly as `services` does for the other flows.
 */
export interface ShopTargetOptions {
  service?: (options: ShopOptions) => ShopService
  store?: ShopStore
  records?: (records: ZoneRecord[]) => ZoneRecord[]
  orderTtlMs?: number
}

export interface ShopTarget {
  scheduler: string
  /** The shop's DNS server, `host:port`: what `--resolver` gets. */
  resolver: string
  real: ReferenceServer
  shop: ShopNode
  store: ShopStore
  close(): Promise<void>
}

const ORDER_TTL_CONFORM = SHOP_LIMIT_SPECS.find((s) => s.key === 'orderTtlMs')!.conformValue

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The short link: the shop's routes here, the rest forwarded to the real short link. */
function shortFront(routes: ShopShortRoute[], realShort: string): Server {
  return createJsonServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://short')
    const mine = routes.filter((r) => r.path === url.pathname)
    if (mine.length > 0) {
      const route = mine.find((r) => r.method === req.method)
      if (!route) throw new ImhError('IMH_ERR_METHOD_NOT_ALLOWED', `${req.method} ${url.pathname}: use ${mine.map((r) => r.method).join(' or ')}`)
      return sendJson(res, 200, {ret: 0, ...(await route.handle(req, url))})
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k))) as Record<string, string>
    const body = await readBody(req)
    const up = await request(`${realShort}${url.pathname}${url.search}`, {method: req.method as 'GET', headers, body: body.length > 0 ? body : undefined})
    const text = Buffer.from(await up.body.arrayBuffer())
    res.writeHead(up.statusCode, {'content-type': String(up.headers['content-type'] ?? 'application/json'), 'content-length': text.length})
    res.end(text)
  })
}

/** The long link: frames pass through, except SYNC of category payments, served from the shop. */
function longFront(realLong: string, inbox: SyncCategoryInbox, limits: ReferenceServer['limits']) {
  const byUser = new Map<string, {client: WebSocket; notified: boolean}>()
  const wss = new WebSocketServer({port: 0, host: '127.0.0.1', perMessageDeflate: false})
  wss.on('connection', (client) => {
    const upstream = new WebSocket(realLong, {perMessageDeflate: false})
    const early: Array<[Buffer, boolean]> = []
    const state = {client, notified: false}
    let userId: string | undefined
    let authSeq = -1
    const toUpstream = (data: Buffer, binary: boolean) => (upstream.readyState === WebSocket.OPEN ? upstream.send(data, {binary}) : early.push([data, binary]))
    upstream.on('open', () => {
      for (const [d, b] of early.splice(0)) upstream.send(d, {binary: b})
    })
    client.on('message', (data: Buffer, binary) => {
      let frame
      try {
        frame = binary ? decodeFrame(data) : undefined
      } catch {
        frame = undefined
      }
      if (frame?.cmd === CMD.AUTH) authSeq = frame.seq
      let body: {category?: unknown} | undefined
      try {
        body = frame?.cmd === CMD.SYNC ? (parseJsonBody(frame.body) as typeof body) : undefined
      } catch {
        body = undefined
      }
      if (!frame || body?.category !== inbox.category || userId === undefined) return toUpstream(data, binary)
      state.notified = false
      const seq = frame.seq
      syncCategory(inbox, userId, body, limits)
        .then((reply) => client.send(encodeFrame(CMD.SYNC, seq, reply)))
        .catch((err: unknown) => client.send(encodeFrame(CMD.ERROR, seq, errorBody(isImhError(err) ? err : new ImhError('IMH_ERR_INTERNAL')))))
    })
    upstream.on('message', (data: Buffer, binary) => {
      if (binary && userId === undefined) {
        try {
          const f = decodeFrame(data)
          if (f.cmd === CMD.AUTH && f.seq === authSeq) {
            userId = (parseJsonBody(f.body) as {userId: string}).userId
            byUser.set(userId, state)
          }
        } catch {
          // Not ours to judge: the client sees the frame as it came.
        }
      }
      if (client.readyState === WebSocket.OPEN) client.send(data, {binary})
    })
    upstream.on('close', (code, reason) => (code >= 3000 && code < 5000 ? client.close(code, reason) : client.terminate()))
    upstream.on('error', () => client.terminate())
    client.on('close', () => {
      upstream.terminate()
      if (userId !== undefined && byUser.get(userId) === state) byUser.delete(userId)
    })
    client.on('error', () => {})
  })
  return {
    wss,
    /** SYNC_NOTIFY {category: "payments"}, at most one outstanding per link (§6.3). */
    notify(userId: string, category: string): void {
      const s = byUser.get(userId)
      if (!s || s.notified || s.client.readyState !== WebSocket.OPEN) return
      s.notified = true
      s.client.send(encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ, {category}))
    },
    port: () => (wss.address() as AddressInfo).port,
  }
}

export async function startShopTarget(o: ShopTargetOptions = {}): Promise<ShopTarget> {
  const real = await startEmbeddedTarget({port: 0})
  const store = o.store ?? new MemoryShopStore()
  let notify: (userId: string, category: string) => void = () => {}
  // Started through the flow's server declaration, as imh serve will start it.
  const flow: ShopFlowInstance = await shopServerFlow.start({
    host: '127.0.0.1', port: 0, dnsPort: 0, store, limits: {shortMaxBodyBytes: real.limits.shortMaxBodyBytes, orderTtlMs: o.orderTtlMs ?? ORDER_TTL_CONFORM!},
    authenticate: (req) => authenticate(real.store, req), mediaBase: () => real.urls.media, notify: (userId, category) => notify(userId, category),
    service: o.service, records: o.records,
  })
  const shop = flow.node
  const short = shortFront(flow.shortRoutes, real.urls.short)
  const shortUrl = `http://127.0.0.1:${await listen(short)}`
  const long = longFront(real.urls.long, flow.syncInboxes[0]!, real.limits)
  await new Promise<void>((resolve) => (long.wss.address() ? resolve() : long.wss.once('listening', () => resolve())))
  notify = (userId, category) => long.notify(userId, category)
  const longUrl = `ws://127.0.0.1:${long.port()}/long`
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>; fallback: Record<string, string[]>}
      answer.groups.short = [shortUrl]
      answer.groups.long = [longUrl]
      answer.fallback = {short: [shortUrl], long: [longUrl]}
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(answer))
    })()
  })
  const schedulerUrl = `http://127.0.0.1:${await listen(scheduler)}/dns`
  return {
    scheduler: schedulerUrl,
    resolver: flow.ready.dns,
    real,
    shop,
    store,
    async close() {
      for (const c of long.wss.clients) c.terminate()
      await new Promise((r) => long.wss.close(r))
      for (const s of [short, scheduler]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
      await shop.close()
      await real.close()
    },
  }
}
