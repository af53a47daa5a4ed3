import type {Server} from 'node:http'
import {type GroupAddresses, ImhError, SCHEDULER_PATH, emptyGroups} from '../src/protocol/index.js'
import {type ServerLimits, resolveLimits} from './config.js'
import {type TlsOptions, closeServer, hostPort, listen} from './http-util.js'
import {createLongNode} from './long.js'
import {createMediaServer} from './media.js'
import {createQrServer} from './qr.js'
import {createScheduler} from './scheduler.js'
import {type RelayOptions, type RelayStats, RelayService} from './relay.js'
import type {TalkOptions, TalkService} from './talk.js'
import type {NearbyOptions} from './nearby.js'
import type {ShakeOptions} from './shake.js'
import type {LongService} from './long-connection.js'
import type {BottleOptions, BottleService} from './bottle.js'
import {createShortServer} from './short.js'
import type {MomentsOptions, MomentsService} from './moments.js'
import {type StunPorts, type StunStats, createStunPorts} from './stun-server.js'
import {MemoryStore} from './store/memory-store.js'
import type {Store} from './store/store.js'
import {type MediaStore, MemoryMediaStore} from './store/media-store.js'

export {DEFAULT_LIMITS, resolveLimits, type ServerLimits} from './config.js'
export {MemoryStore} from './store/memory-store.js'
export {RelayService, type RelayOptions, type RelayStats} from './relay.js'
export {TalkService, type TalkOptions, type TalkPeer} from './talk.js'
export {MomentsService, type MomentsOptions} from './moments.js'
export {MemoryMomentsStore, type MomentsStore, type StoredMoment} from './store/moments-store.js'
export {NearbyService, type NearbyOptions} from './nearby.js'
export {ShakeService, type ShakeOptions, type Shaker, type ShakeWindow} from './shake.js'
export {MemoryGeoStore, type GeoStore} from './store/geo-store.js'
export type {LongService} from './long-connection.js'
export {BottleService, type BottleOptions, type BottlePeer} from './bottle.js'
export {MemoryBottleStore, type BottleStore, type StoredBottle, type PickRecord} from './store/bottle-store.js'
export {createStunPorts, answerStun, type StunPorts, type StunPortsOptions, type StunStats} from './stun-server.js'
export {QrLogins, type QrLoginsOptions, type QrView, type QrWebSession} from './qr-state.js'
export type {Store, StoreEvent, StoredUser, TokenCheck, NewMessage, InboxPage} from './store/store.js'

export interface ReferenceServerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string
  /** Host name put in the scheduler's URLs; default the bound host (127.0.0.1 for a wildcard). */
  publicHost?: string
  /**
   * Scheduler port; short, long, qr and media take the next four, the relay group's STUN ports
   * the `limits.stunPorts` after those (N+5 …). 0 (default): every group on ephemeral ports.
   */
  port?: number
  tls?: TlsOptions
  limits?: Partial<ServerLimits>
  /** Shared state; default a fresh MemoryStore. */
  store?: Store
  /**
   * Replaces the call signalling (PROTOCOL.md §11.2), the UDP relay (§11.3) or the drift bottle
   * (§14) with another implementation built from the same options; the default builds the
   * reference ones. For test doubles that plant a bug.
   */
  services?: {
    talk?: (options: TalkOptions) => TalkService
    relay?: (options: RelayOptions) => RelayService
    bottle?: (options: BottleOptions) => BottleService
    /** Nearby people (§12). */
    nearby?: (options: NearbyOptions) => LongService
    /** Shake (§13). */
    shake?: (options: ShakeOptions) => LongService
    /** Friends and moments on the short link (§15). */
    moments?: (options: MomentsOptions) => MomentsService
  }
}

export interface ReferenceServerUrls {
  scheduler: string
  short: string
  long: string
  /** Base URL of the qr group (PROTOCOL.md §10), without a path. */
  qr: string
  /** Base URL of the media group (PROTOCOL.md §16), without a path. */
  media: string
}

export interface ReferenceServer {
  urls: ReferenceServerUrls
  groups: GroupAddresses
  store: Store
  limits: ServerLimits
  /** Authenticated long links held. */
  readonly connections: number
  /** QR check polls held by the qr group. */
  readonly qrPolls: number
  /** The relay group's UDP ports answering STUN (PROTOCOL.md §11.1), and what they did. */
  stun: {ports: number[]; stats: StunStats}
  /** The UDP relay on the same ports (PROTOCOL.md §11.3): what it did, and the sessions it holds. */
  relay: {stats: RelayStats; readonly sessions: number}
  close(): Promise<void>
}

function checkPort(port: number, stunPorts: number): number {
  const max = 65535 - 4 - stunPorts
  if (!Number.isInteger(port) || port < 0 || (port > max && port !== 0)) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option port must be an integer from 0 to ${max} (it, the next four and ${stunPorts} STUN ports are used), got ${port}`, {option: 'port'})
  }
  return port
}

/** Starts every server group of PROTOCOL.md §2–§6, the qr group of §10, the media group of §16 and the relay group of §11 (STUN §11.1 and relay §11.3 on the same UDP ports) in this process. */
export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const host = options.host ?? '127.0.0.1'
  const publicHost = options.publicHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  const limits = resolveLimits(options.limits)
  const port = checkPort(options.port ?? 0, limits.stunPorts)
  const store = options.store ?? new MemoryStore({dedupWindow: limits.dedupWindow})
  const tls = options.tls
  const http = tls ? 'https' : 'http'
  const groups = emptyGroups()

  // Uploads (PROTOCOL.md §16): the media group serves them, the moments flow (§15) refers to them.
  const media: MediaStore = new MemoryMediaStore()
  const short = createShortServer({store, limits, tls, media, mediaBase: () => groups.media[0] ?? '', momentsService: options.services?.moments})
  const long = createLongNode({store, limits, tls, relays: () => groups.relay, talkService: options.services?.talk, bottleService: options.services?.bottle, mediaBase: () => groups.media[0] ?? '', nearbyService: options.services?.nearby, shakeService: options.services?.shake})
  const qr = createQrServer({store, limits, tls, publicBase: () => groups.qr[0]!, mediaBase: () => groups.media[0] ?? ''})
  const mediaServer = createMediaServer({store, media, limits, tls, publicBase: () => groups.media[0]!})
  const scheduler = createScheduler({groups: () => groups, fallback: () => ({long: groups.long, short: groups.short}), limits, tls})
  const servers: Server[] = []
  let stun: StunPorts | undefined
  const relayOptions: RelayOptions = {tokenInfo: (token) => long.talk.tokenInfo(token), ratePps: limits.relayRatePps, burst: limits.relayBurst}
  const relay = options.services?.relay ? options.services.relay(relayOptions) : new RelayService(relayOptions)
  const unsubscribeRelay = long.talk.onCallEnded((call) => relay.forget(call.relayToken))
  try {
    const shortPort = await listen(short, host, port && port + 1)
    servers.push(short)
    const longPort = await listen(long.server, host, port && port + 2)
    servers.push(long.server)
    const qrPort = await listen(qr.server, host, port && port + 3)
    servers.push(qr.server)
    const mediaPort = await listen(mediaServer, host, port && port + 4)
    servers.push(mediaServer)
    const schedulerPort = await listen(scheduler, host, port)
    servers.push(scheduler)
    groups.short.push(`${http}://${hostPort(publicHost, shortPort)}`)
    groups.long.push(`${tls ? 'wss' : 'ws'}://${hostPort(publicHost, longPort)}/long`)
    groups.qr.push(`${http}://${hostPort(publicHost, qrPort)}`)
    groups.media.push(`${http}://${hostPort(publicHost, mediaPort)}`)
    stun = await createStunPorts({host, ports: Array.from({length: limits.stunPorts}, (_, i) => (port ? port + 5 + i : 0)), relay: (msg, from, socket) => relay.handle(msg, from, socket)})
    for (const p of stun.ports) groups.relay.push(`udp://${hostPort(publicHost, p)}`)
    const stunPorts = stun
    return {
      urls: {scheduler: `${http}://${hostPort(publicHost, schedulerPort)}${SCHEDULER_PATH}`, short: groups.short[0]!, long: groups.long[0]!, qr: groups.qr[0]!, media: groups.media[0]!},
      groups,
      store,
      limits,
      get connections() {
        return long.connections
      },
      get qrPolls() {
        return qr.logins.pendingPolls
      },
      stun: {ports: stunPorts.ports, stats: stunPorts.stats},
      relay: {
        stats: relay.stats,
        get sessions() {
          return relay.size
        },
      },
      async close() {
        unsubscribeRelay()
        qr.close()
        await stunPorts.close()
        await long.close()
        await Promise.all(servers.map(closeServer))
        if (!options.store) await store.close()
      },
    }
  } catch (err) {
    unsubscribeRelay()
    qr.close()
    await stun?.close()
    await long.close()
    await Promise.all(servers.map(closeServer))
    throw err
  }
}
