import type {Server} from 'node:http'
import {WebSocketServer} from 'ws'
import {HEAD_LEN} from '../src/protocol/index.js'
import type {ServerLimits} from './config.js'
import {type TlsOptions, createJsonServer, sendJson} from './http-util.js'
import {type LongContext, LongConnection, type LongService} from './long-connection.js'
import type {Store} from './store/store.js'
import {type TalkOptions, TalkService} from './talk.js'
import {type BottleOptions, BottleService} from './bottle.js'
import {type NearbyOptions, NearbyService} from './nearby.js'
import {type ShakeOptions, ShakeService} from './shake.js'
import {type GeoStore, MemoryGeoStore} from './store/geo-store.js'

export interface LongOptions {
  store: Store
  limits: ServerLimits
  tls?: TlsOptions
  /** The relay group handed out with calls (PROTOCOL.md §11.2); default none. */
  relays?: () => string[]
  /** Builds the call signalling service; default `new TalkService(options)` (test doubles plant bugs here). */
  talkService?: (options: TalkOptions) => TalkService
  /** Builds the drift-bottle service (§14); default `new BottleService(options)`. */
  bottleService?: (options: BottleOptions) => BottleService
  /** Base URL of the media group, for avatar URLs in nearby and shake (§12, §13); default none. */
  mediaBase?: () => string
  /** Reported positions (§12); default a fresh MemoryGeoStore. */
  geo?: GeoStore
  /** Builds the nearby service (§12); default `new NearbyService(options)`. */
  nearbyService?: (options: NearbyOptions) => LongService
  /** Builds the shake service (§13); default `new ShakeService(options)`. */
  shakeService?: (options: ShakeOptions) => LongService
}

export interface LongNode {
  server: Server
  /** Authenticated connections on this node. */
  readonly connections: number
  /** Call signalling of this node (PROTOCOL.md §11.2); the relay asks it about relay tokens. */
  talk: TalkService
  close(): Promise<void>
}

/** The long-connection group: WebSocket, one binary message per frame (PROTOCOL.md §4.2). */
export function createLongNode(options: LongOptions): LongNode {
  const byUser = new Map<string, LongConnection>()
  const talkOptions: TalkOptions = {store: options.store, ringTimeoutMs: options.limits.talkRingTimeoutMs, relays: options.relays ?? (() => []), lookup: (userId) => byUser.get(userId)}
  const talk = options.talkService ? options.talkService(talkOptions) : new TalkService(talkOptions)
  // Each flow beyond chat registers here (PROTOCOL.md §11.2–§14).
  const serviceList: LongService[] = [
    talk,
    options.bottleService ? options.bottleService({store: options.store}) : new BottleService({store: options.store}),
    nearbyOf(options),
    shakeOf(options),
  ]
  const services = new Map<number, LongService>()
  for (const service of serviceList) for (const cmd of service.cmds) services.set(cmd, service)
  const ctx: LongContext = {store: options.store, limits: options.limits, byUser, services, serviceList}
  const server = createJsonServer(async (_req, res) => {
    sendJson(res, 426, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'this port speaks WebSocket: upgrade (PROTOCOL.md §4.2)'})
  }, options.tls)
  // One byte over the body limit still reaches the codec, which answers with a coded ERROR;
  // larger messages are refused by ws itself (close 1009) before they are buffered.
  const wss = new WebSocketServer({server, maxPayload: HEAD_LEN + options.limits.maxBodyBytes + 1024, perMessageDeflate: false})
  wss.on('connection', (ws) => new LongConnection(ws, ctx))
  const unsubscribe = options.store.subscribe((event) => {
    const conn = ctx.byUser.get(event.userId)
    if (!conn) return
    if (event.type === 'notify') conn.notify(event.category)
    else if (event.type === 'kick' && conn.key !== event.keep) conn.kick()
  })
  return {
    server,
    talk,
    get connections() {
      return ctx.byUser.size
    },
    async close() {
      unsubscribe()
      for (const service of serviceList) service.close?.()
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}

function nearbyOf(options: LongOptions): LongService {
  const o: NearbyOptions = {store: options.store, geo: options.geo ?? new MemoryGeoStore(), positionTtlMs: options.limits.positionTtlMs, mediaBase: options.mediaBase ?? (() => '')}
  return options.nearbyService ? options.nearbyService(o) : new NearbyService(o)
}

function shakeOf(options: LongOptions): LongService {
  const o: ShakeOptions = {store: options.store, windowMs: options.limits.shakeWindowMs, mediaBase: options.mediaBase ?? (() => '')}
  return options.shakeService ? options.shakeService(o) : new ShakeService(o)
}
