import type {Server} from 'node:http'
import {type Server as NetServer, type Socket, createServer as createNetServer} from 'node:net'
import {createServer as createTlsServer} from 'node:tls'
import {WebSocketServer} from 'ws'
import {HEAD_LEN, cmdName} from '../../src/protocol/index.js'
import type {CoreLimits} from '../core/limits.js'
import {type TlsOptions, createJsonServer, sendJson} from '../http/json-server.js'
import type {Store} from '../store/store.js'
import {type LongContext, LongConnection} from './long-connection.js'
import type {LinkPresence} from './link-peer.js'
import type {LongService} from './long-service.js'
import type {LongStats} from './long-stats.js'
import {StreamTransport} from './stream-transport.js'
import {WsTransport} from './ws-transport.js'

export interface LongNodeOptions {
  store: Store
  limits: CoreLimits
  tls?: TlsOptions
  /** The node's authenticated links by user; the flows that look links up read the same map. */
  byUser: Map<string, LongConnection>
  /** Every flow's long-link commands beside chat; two services may not claim one cmd. */
  services: readonly LongService[]
  /** Counts for the metrics endpoint. */
  stats?: LongStats
  /** Told of every link added to and removed from `byUser`. */
  presence?: LinkPresence
}

export interface LongNode {
  server: Server
  /** The same node's stream listener (tcp://, tls:// with a certificate): frames back to back (PROTOCOL.md §4.2). */
  stream: NetServer
  /** Authenticated connections on this node. */
  readonly connections: number
  close(): Promise<void>
}

function byCmd(services: readonly LongService[]): Map<number, LongService> {
  const out = new Map<number, LongService>()
  for (const service of services) {
    for (const cmd of service.cmds) {
      if (out.has(cmd)) throw new Error(`two long-link services claim cmd ${cmd} (${cmdName(cmd)})`)
      out.set(cmd, service)
    }
  }
  return out
}

/**
 * The long-connection group: WebSocket, one binary message per frame, and a byte stream of the
 * same frames on a port of its own (PROTOCOL.md §4.2); one LongConnection class serves both.
 */
export function createLongNode(options: LongNodeOptions): LongNode {
  const serviceList = [...options.services]
  const ctx: LongContext = {store: options.store, limits: options.limits, byUser: options.byUser, services: byCmd(serviceList), serviceList, presence: options.presence, ...(options.stats ? {stats: options.stats} : {})}
  const server = createJsonServer(async (_req, res) => {
    sendJson(res, 426, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'this port speaks WebSocket: upgrade (PROTOCOL.md §4.2)'})
  }, options.tls)
  // One byte over the body limit still reaches the codec, which answers with a coded ERROR;
  // larger messages are refused by ws itself (close 1009) before they are buffered.
  const wss = new WebSocketServer({server, maxPayload: HEAD_LEN + options.limits.maxBodyBytes + 1024, perMessageDeflate: false})
  wss.on('connection', (ws, req) => new LongConnection(new WsTransport(ws, options.limits.maxBodyBytes, req.socket), ctx))
  const onStream = (socket: Socket): void => {
    new LongConnection(new StreamTransport(socket, options.limits.maxBodyBytes, options.limits.frameTimeoutMs), ctx)
  }
  // A TLS handshake has the handshake time-out too: the session's clock starts only after it (§5.2).
  const stream: NetServer = options.tls
    ? createTlsServer({cert: options.tls.cert, key: options.tls.key, handshakeTimeout: options.limits.handshakeTimeoutMs}, onStream)
    : createNetServer(onStream)
  // Every accepted TCP connection, TLS handshake done or not, so that close() ends them all.
  const streams = new Set<Socket>()
  stream.on('connection', (socket: Socket) => {
    streams.add(socket)
    socket.once('close', () => streams.delete(socket))
  })
  // A failed TLS handshake or a reset before the connection is served is the peer's business.
  stream.on('tlsClientError', () => {})
  // ws re-emits the HTTP server's errors; a listen failure is already answered by listen()'s
  // rejection (a coded start failure), so an unheard re-emit must not crash the process.
  wss.on('error', () => {})
  const unsubscribe = options.store.subscribe((event) => {
    const conn = ctx.byUser.get(event.userId)
    if (!conn) return
    if (event.type === 'notify') conn.notify(event.category)
    else if (event.type === 'kick' && conn.key !== event.keep) conn.kick()
  })
  return {
    server,
    stream,
    get connections() {
      return ctx.byUser.size
    },
    async close() {
      unsubscribe()
      for (const service of serviceList) service.close?.()
      for (const ws of wss.clients) ws.terminate()
      for (const socket of streams) socket.destroy()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
