import type {Server} from 'node:http'
import {type GroupAddresses, ImhError, SCHEDULER_PATH, emptyGroups} from '../src/protocol/index.js'
import {type ServerLimits, resolveLimits} from './config.js'
import {type TlsOptions, closeServer, hostPort, listen} from './http-util.js'
import {createLongNode} from './long.js'
import {createQrServer} from './qr.js'
import {createScheduler} from './scheduler.js'
import {createShortServer} from './short.js'
import {MemoryStore} from './store/memory-store.js'
import type {Store} from './store/store.js'

export {DEFAULT_LIMITS, resolveLimits, type ServerLimits} from './config.js'
export {MemoryStore} from './store/memory-store.js'
export {QrLogins, type QrLoginsOptions, type QrView, type QrWebSession} from './qr-state.js'
export type {Store, StoreEvent, StoredUser, TokenCheck, NewMessage, InboxPage} from './store/store.js'

export interface ReferenceServerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string
  /** Host name put in the scheduler's URLs; default the bound host (127.0.0.1 for a wildcard). */
  publicHost?: string
  /** Scheduler port; short, long and qr take the next three. 0 (default): every group on an ephemeral port. */
  port?: number
  tls?: TlsOptions
  limits?: Partial<ServerLimits>
  /** Shared state; default a fresh MemoryStore. */
  store?: Store
}

export interface ReferenceServerUrls {
  scheduler: string
  short: string
  long: string
  /** Base URL of the qr group (PROTOCOL.md §10), without a path. */
  qr: string
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
  close(): Promise<void>
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65532) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option port must be an integer from 0 to 65532 (it and the next three are used), got ${port}`, {option: 'port'})
  }
  return port
}

/** Starts every server group of PROTOCOL.md §2–§6 and the qr group of §10 in this process. */
export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const host = options.host ?? '127.0.0.1'
  const publicHost = options.publicHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  const port = checkPort(options.port ?? 0)
  const limits = resolveLimits(options.limits)
  const store = options.store ?? new MemoryStore({dedupWindow: limits.dedupWindow})
  const tls = options.tls
  const http = tls ? 'https' : 'http'
  const groups = emptyGroups()

  const short = createShortServer({store, limits, tls})
  const long = createLongNode({store, limits, tls})
  const qr = createQrServer({store, limits, tls, publicBase: () => groups.qr[0]!})
  const scheduler = createScheduler({groups: () => groups, fallback: () => ({long: groups.long, short: groups.short}), limits, tls})
  const servers: Server[] = []
  try {
    const shortPort = await listen(short, host, port && port + 1)
    servers.push(short)
    const longPort = await listen(long.server, host, port && port + 2)
    servers.push(long.server)
    const qrPort = await listen(qr.server, host, port && port + 3)
    servers.push(qr.server)
    const schedulerPort = await listen(scheduler, host, port)
    servers.push(scheduler)
    groups.short.push(`${http}://${hostPort(publicHost, shortPort)}`)
    groups.long.push(`${tls ? 'wss' : 'ws'}://${hostPort(publicHost, longPort)}/long`)
    groups.qr.push(`${http}://${hostPort(publicHost, qrPort)}`)
    return {
      urls: {scheduler: `${http}://${hostPort(publicHost, schedulerPort)}${SCHEDULER_PATH}`, short: groups.short[0]!, long: groups.long[0]!, qr: groups.qr[0]!},
      groups,
      store,
      limits,
      get connections() {
        return long.connections
      },
      get qrPolls() {
        return qr.logins.pendingPolls
      },
      async close() {
        qr.close()
        await long.close()
        await Promise.all(servers.map(closeServer))
        if (!options.store) await store.close()
      },
    }
  } catch (err) {
    qr.close()
    await long.close()
    await Promise.all(servers.map(closeServer))
    throw err
  }
}
