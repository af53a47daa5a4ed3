import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import WebSocket, {WebSocketServer} from 'ws'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import type {ReferenceServer, ReferenceServerOptions} from '../../reference-server/index.js'
import {type Frame, decodeFrame, encodeFrame} from '../../src/protocol/index.js'

/** One client's connection through the proxy: what a tamper may keep, and the client's socket. */
export interface ProxiedLink {
  /** Free for the tamper: e.g. the requests seen, by seq. */
  readonly state: Map<unknown, unknown>
  readonly client: WebSocket
}

/**
 * Rewrites frames on their way through. Each hook gets a frame the codec could read (anything else
 * passes unchanged) and returns the frame to pass on, undefined to pass it unchanged, or null to drop it.
 */
export interface LongTamper {
  up?(frame: Frame, link: ProxiedLink): Frame | undefined | null
  down?(frame: Frame, link: ProxiedLink): Frame | undefined | null
  /** The close code the client gets when the server closes with `code`; default the same. */
  close?(code: number, link: ProxiedLink): number
}

export interface LongDouble {
  /** The scheduler to run the suite against: the real answer, with the long group at the proxy. */
  scheduler: string
  real: ReferenceServer
  close(): Promise<void>
}

// Close codes a peer may not send itself (RFC 6455 §7.4.1): passed on as a plain 1000.
const UNSENDABLE = new Set([1004, 1005, 1006, 1015])

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)))
}

function rewrite(data: Buffer, isBinary: boolean, hook: ((f: Frame, l: ProxiedLink) => Frame | undefined | null) | undefined, link: ProxiedLink): Buffer | null {
  if (!hook || !isBinary) return data
  let frame: Frame
  try {
    frame = decodeFrame(data, Number.MAX_SAFE_INTEGER)
  } catch {
    return data
  }
  const out = hook(frame, link)
  if (out === null) return null
  return out ? encodeFrame(out.cmd, out.seq, out.body) : data
}

/**
 * A broken long link (PROTOCOL.md §4–§6): the reference server behind a WebSocket proxy whose
 * `tamper` rewrites chosen frames, so a double plants one bug in an otherwise correct server.
 */
export async function startLongDouble(tamper: LongTamper, options: ReferenceServerOptions = {}): Promise<LongDouble> {
  const real = await startEmbeddedTarget(options)
  const http = createServer((_req, res) => {
    res.writeHead(426)
    res.end()
  })
  const wss = new WebSocketServer({server: http, perMessageDeflate: false})
  wss.on('connection', (client) => {
    const upstream = new WebSocket(real.urls.long, {perMessageDeflate: false})
    const link: ProxiedLink = {state: new Map(), client}
    const pending: [Buffer, boolean][] = []
    client.on('error', () => {})
    upstream.on('error', () => client.terminate())
    client.on('message', (data: Buffer, isBinary) => {
      const out = rewrite(data, isBinary, tamper.up?.bind(tamper), link)
      if (out === null) return
      if (upstream.readyState === WebSocket.OPEN) upstream.send(out, {binary: isBinary})
      else pending.push([out, isBinary])
    })
    upstream.on('open', () => {
      for (const [out, isBinary] of pending.splice(0)) upstream.send(out, {binary: isBinary})
    })
    upstream.on('message', (data: Buffer, isBinary) => {
      const out = rewrite(data, isBinary, tamper.down?.bind(tamper), link)
      if (out !== null && client.readyState === WebSocket.OPEN) client.send(out, {binary: isBinary})
    })
    upstream.on('close', (code, reason) => {
      const passed = tamper.close ? tamper.close(code, link) : code
      if (client.readyState === WebSocket.OPEN) client.close(UNSENDABLE.has(passed) ? 1000 : passed, reason)
    })
    client.on('close', () => upstream.readyState === WebSocket.CONNECTING ? upstream.terminate() : upstream.close())
  })
  const proxyHost = await listen(http)
  const scheduler = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>; fallback: Record<string, string[]>}
      const url = `ws://${proxyHost}/long`
      answer.groups.long = [url]
      if (answer.fallback.long) answer.fallback.long = [url]
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(answer))
    })()
  })
  const schedulerHost = await listen(scheduler)
  return {
    scheduler: `http://${schedulerHost}/dns`,
    real,
    async close() {
      for (const ws of wss.clients) ws.terminate()
      await new Promise((r) => wss.close(r))
      for (const s of [http, scheduler]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
      await real.close()
    },
  }
}
