import {randomBytes} from 'node:crypto'
import type {Server} from 'node:net'
import {hostname} from 'node:os'
import {type GroupAddresses, ImhError, emptyGroups, isFeature} from '../src/protocol/index.js'
import {type ServerLimits, resolveLimits} from './config.js'
import type {AnyServerFlow, Listener, UdpBound} from './flow.js'
import {type ServerParts, flowContext, isGroup} from './flow-context.js'
import {type FlowServices, type FlowStatuses, type ListenerNames, SERVER_FLOWS} from './flows.js'
import type {GroupMember} from './cluster/group-member.js'
import {Membership} from './cluster/membership.js'
import {createHttpGroup} from './http/http-group.js'
import type {TlsOptions} from './http/json-server.js'
import {closeServer, hostPort, listen} from './http/listen.js'
import {listening} from './listen-failure.js'
import type {HttpRoute} from './http/route.js'
import type {LongService} from './long/long-service.js'
import {ClusterLinks} from './long/cluster-links.js'
import {localLinks} from './long/link-peer.js'
import type {LongConnection} from './long/long-connection.js'
import {type LongNode, createLongNode} from './long/long-node.js'
import {LongStats} from './long/long-stats.js'
import {LISTENERS, maxBasePort, udpPortCount} from './port-layout.js'
import {ServerMetrics} from './server-metrics.js'
import {SHARED_STORE} from './store/memory-store.js'
import {RedisBackend} from './store/redis-backend.js'
import {StoreInstances} from './store/store-slot.js'
import type {Store} from './store/store.js'

export {ALL_LIMIT_SPECS, DEFAULT_LIMITS, SERVER_LIMIT_SPECS, resolveLimits, type ServerLimits} from './config.js'
export {defineServerFlow, type FlowContext, type Listener, type ServerFlow} from './flow.js'
export {SERVER_FLOWS, type FlowServices, type FlowStatuses, type ServerFlowName} from './flows.js'
export type {LinkPeer} from './long/link-peer.js'
export type {LongService} from './long/long-service.js'
export {MemoryStore} from './store/memory-store.js'
export type {Store, StoreEvent, StoredUser, TokenCheck, NewMessage, InboxEntry, InboxPage} from './store/store.js'

export interface ReferenceServerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string
  /** Host name put in the scheduler's URLs; default the bound host (127.0.0.1 for a wildcard). */
  publicHost?: string
  /**
   * The scheduler's port; the other listeners take the next ones in the order of the flow list,
   * then the UDP ports (the relay group's). 0 (default): every one ephemeral.
   */
  port?: number
  tls?: TlsOptions
  limits?: Partial<ServerLimits>
  /** Users, tokens and inboxes; default a fresh MemoryStore. */
  store?: Store
  /**
   * Replaces flows' services, by flow name, with other implementations built from the same
   * options; the default builds the reference ones. For test doubles that plant a bug.
   */
  services?: FlowServices
  /**
   * The flows to run, by name (core runs whatever is given); default every one of SERVER_FLOWS.
   * A flow not run opens no listener and binds no port: its groups are empty, its long-link
   * commands are answered IMH_ERR_UNKNOWN_CMD, its routes 404, and the scheduler does not
   * announce it in `features` (PROTOCOL.md §2.2). `['core']` is a server of the core only.
   */
  flows?: readonly string[]
  /**
   * Keep every store in this Redis (a `redis://` URL) instead of this process's memory, so that
   * several nodes of one group share state (PROTOCOL.md §2.5); `prefix` (default `imh:`) lets
   * servers share one Redis apart.
   */
  redis?: {url: string; prefix?: string}
  /**
   * Open only these listeners and UDP groups, by name (`scheduler`, `short`, `long`, `relay`, …;
   * default all): one group per process, so that a group's nodes can run on machines of their own
   * and share state through `redis`. The flows still run: the long link carries every flow's commands.
   */
  groups?: readonly string[]
  /** This node's name among those sharing the Redis; default host name, pid and a random suffix. */
  node?: string
  /** Serve Prometheus metrics of this server on their own listener (server-metrics.ts); port 0: a free one. */
  metrics?: {host?: string; port: number}
}

/**
 * Where clients reach each listener: the scheduler's URL with its path, each group's base URL;
 * '' for a listener of a flow not run (`flows`).
 */
export type ReferenceServerUrls = Readonly<Record<ListenerNames, string>>

export interface ReferenceServer {
  urls: ReferenceServerUrls
  groups: GroupAddresses
  store: Store
  limits: ServerLimits
  /** Authenticated long links held. */
  readonly connections: number
  /** What each flow shows of itself (its `status`), by flow name. */
  flows: FlowStatuses
  /**
   * `host:port` of the DNS server that answers for the names this server gives out beyond the
   * scheduler's (PROTOCOL.md §2.4): what its clients take as their resolver. Absent when no flow runs one.
   */
  resolver?: string
  /** The metrics endpoint's URL (http://HOST:PORT/metrics) when `options.metrics` asked for one. */
  metrics?: string
  close(): Promise<void>
}

const FLOWS: readonly AnyServerFlow[] = SERVER_FLOWS

/** The flows `names` selects, in the flow list's order, core always; an unknown name is refused naming the option. */
export function selectServerFlows(names: readonly string[] | undefined): readonly AnyServerFlow[] {
  if (names === undefined) return FLOWS
  for (const name of names) {
    if (!FLOWS.some((f) => f.name === name)) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `option flows: unknown flow "${name}"; the flows are ${FLOWS.map((f) => f.name).join(', ')}`, {option: 'flows'})
    }
  }
  return FLOWS.filter((f) => f.name === 'core' || names.includes(f.name))
}

function checkPort(port: number, listeners: number, udpPorts: number): number {
  const max = maxBasePort(udpPorts)
  if (!Number.isInteger(port) || port < 0 || (port > max && port !== 0)) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option port must be an integer from 0 to ${max} (it, the next ${listeners - 1} and ${udpPorts} UDP ports are used), got ${port}`, {option: 'port'})
  }
  return port
}

interface Running {
  flow: AnyServerFlow
  service: unknown
  udp?: UdpBound
}

/** Starts the flows of the reference server (SERVER_FLOWS, or those `options.flows` selects) in this process. */
export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const flowList = selectServerFlows(options.flows)
  const served = servedGroups(options.groups)
  const flowListeners = LISTENERS.filter((l) => flowList.some((f) => f.listeners?.includes(l)))
  const listeners = flowListeners.filter((l) => served(l.group ?? l.name))
  const host = options.host ?? '127.0.0.1'
  const publicHost = options.publicHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  const limits = resolveLimits(options.limits)
  const udpCounts = flowList.map((f) => (udpServed(f, served) ? udpPortCount(f, limits) : 0))
  const port = checkPort(options.port ?? 0, listeners.length, udpCounts.reduce((a, b) => a + b, 0))
  const nodeName = options.node ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
  const backend = options.redis ? await new RedisBackend(options.redis.url, options.redis.prefix).connect() : undefined
  const stores = new StoreInstances(limits, backend)
  if (options.store) stores.provide(SHARED_STORE, options.store)
  const byUser = new Map<string, LongConnection>()
  const features = flowList.flatMap((f) => (isFeature(f.name) ? [f.name] : []))
  const groups = emptyGroups()
  const self = (): GroupMember => ({node: nodeName, groups, load: byUser.size})
  // Nodes sharing a Redis see each other (PROTOCOL.md §2.5); a node alone is its only member.
  const membership = backend ? new Membership(backend, self) : undefined
  const members = membership ? () => membership.view() : () => [self()]
  // With a Redis, the links of every node of the group: a push may go to a link of another node.
  const cluster = backend && membership ? new ClusterLinks(backend, byUser, nodeName, (n) => membership.isLive(n)) : undefined
  const parts: ServerParts = {limits, store: stores.get(SHARED_STORE), stores, groups, bound: {}, links: cluster ?? localLinks(byUser), members, features}
  const replacements = options.services as Partial<Record<string, (o: unknown) => unknown>> | undefined

  const running: Running[] = []
  const servers: Server[] = []
  let node: LongNode | undefined
  const longStats = options.metrics ? new LongStats() : undefined
  // The relay's counts are read at each scrape: the talk flow's status, once it is bound.
  let relayStats: (() => Readonly<Record<string, number>> | undefined) | undefined
  const metrics = options.metrics ? new ServerMetrics(() => node?.connections ?? 0, {long: longStats, redis: backend, relay: () => relayStats?.()}) : undefined
  const close = async (): Promise<void> => {
    await membership?.close()
    await metrics?.close()
    for (const r of running) r.flow.close?.(r.service)
    for (const r of running) await r.udp?.close()
    await node?.close()
    await cluster?.close()
    await Promise.all(servers.map(closeServer))
    await stores.close()
    await backend?.close()
  }
  try {
    for (const flow of flowList) {
      const make = replacements?.[flow.name] ?? ((o: unknown) => flow.create(o))
      running.push({flow, service: make(flow.options(flowContext(flow, parts)))})
    }
    await stores.ready()
    await cluster?.ready()
    const routes = routesByListener(running, flowListeners)
    for (const l of listeners) {
      if (l.kind === 'long' || l.kind === 'long-stream') {
        // One node serves the WebSocket port and the stream port: one set of links, one set of services.
        const services = (): LongService[] => running.flatMap((r) => (r.flow.long ? [r.flow.long(r.service)] : []))
        node ??= createLongNode({store: parts.store, limits, tls: options.tls, byUser, services: services(), stats: longStats, presence: cluster})
        servers.push(l.kind === 'long' ? node.server : node.stream)
      } else {
        const http = createHttpGroup({routes: routes.get(l.name) ?? [], headers: l.headers, tls: options.tls})
        servers.push(http)
        metrics?.watch(l.name, http)
      }
    }
    const addresses: string[] = []
    const bind = async (i: number): Promise<void> => {
      const l = listeners[i]!
      const scheme = {long: options.tls ? 'wss' : 'ws', 'long-stream': options.tls ? 'tls' : 'tcp', http: options.tls ? 'https' : 'http'}[l.kind]
      const at = port && port + i
      addresses[i] = `${scheme}://${hostPort(publicHost, await listening(`the ${l.name} group`, host, at, () => listen(servers[i]!, host, at)))}${l.path ?? ''}`
      parts.bound[l.name] = addresses[i]!
      const group = l.group ?? l.name
      if (isGroup(group)) parts.groups[group].push(addresses[i]!)
    }
    // The scheduler listens last: whoever reaches it finds every group up.
    const schedulerAt = listeners.findIndex((l) => l.name === 'scheduler')
    for (let i = 0; i < listeners.length; i++) if (i !== schedulerAt) await bind(i)
    let next = port && port + listeners.length
    for (const [i, r] of running.entries()) {
      if (!r.flow.udp || udpCounts[i] === 0) continue
      const ports = Array.from({length: udpCounts[i]!}, (_, k) => (port ? next + k : 0))
      next += ports.length
      const udpGroup = r.flow.udp.group
      const bound = await listening(udpGroup ? `the ${udpGroup} group (UDP)` : `the ${r.flow.name} flow's UDP server`, host, ports[0] ?? 0, () => r.flow.udp!.bind(r.service, {host, ports}))
      r.udp = bound
      const group = r.flow.udp.group
      if (group) for (const p of bound.ports) parts.groups[group].push(`udp://${hostPort(publicHost, p)}`)
    }
    // A flow's resolver answers on its UDP ports: none when this node does not serve them (`groups`).
    const resolvers = running.flatMap((r) => (r.flow.resolver && (r.udp || !r.flow.udp) ? [r.flow.resolver(r.service, r.udp)] : []))
    if (resolvers.length > 1) throw new Error('more than one flow runs a DNS resolver')
    const metricsPort = metrics && options.metrics ? await metrics.listen(options.metrics.host ?? host, options.metrics.port) : undefined
    // Reported before the scheduler answers, so that its first answer lists this node.
    await membership?.start()
    if (schedulerAt >= 0) await bind(schedulerAt)
    // A flow's status shows its UDP ports too: none when this node does not serve them (`groups`).
    const flows = Object.fromEntries(running.flatMap((r) => (r.flow.status && (r.udp || !r.flow.udp) ? [[r.flow.name, r.flow.status(r.service, r.udp)]] : [])))
    const longNode = node
    relayStats = () => (flows as Partial<FlowStatuses>).talk?.relay.stats as Readonly<Record<string, number>> | undefined
    return {
      urls: Object.fromEntries(LISTENERS.map((l) => [l.name, addresses[listeners.indexOf(l)] ?? ''])) as ReferenceServerUrls,
      groups: parts.groups,
      store: parts.store,
      limits,
      get connections() {
        return longNode?.connections ?? 0
      },
      flows: flows as FlowStatuses,
      ...(resolvers[0] !== undefined ? {resolver: resolvers[0]} : {}),
      ...(metricsPort !== undefined ? {metrics: `http://${hostPort(publicHost, metricsPort)}/metrics`} : {}),
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

/** Which listeners and UDP groups `groups` selects; an unknown name is refused naming the option. */
function servedGroups(groups: readonly string[] | undefined): (name: string) => boolean {
  if (groups === undefined) return () => true
  const known = [...LISTENERS.flatMap((l) => (l.group ? [] : [l.name])), ...FLOWS.flatMap((f) => (f.udp?.group ? [f.udp.group] : []))]
  for (const name of groups) {
    if (!known.includes(name)) throw new ImhError('IMH_ERR_INVALID_OPTION', `option groups: unknown group "${name}"; the groups are ${[...new Set(known)].join(', ')}`, {option: 'groups'})
  }
  return (name) => groups.includes(name)
}

/** Whether a flow's UDP ports are served: its group's, or (no group: the shop's DNS server) any listener of the flow's. */
function udpServed(flow: AnyServerFlow, served: (name: string) => boolean): boolean {
  if (!flow.udp) return false
  return flow.udp.group ? served(flow.udp.group) : (flow.listeners ?? []).some((l) => served(l.name))
}

/** The routes every flow declares, by listener; a listener no flow opens is a mistake in the flow list. */
function routesByListener(running: readonly Running[], listeners: readonly Listener<string>[]): Map<string, HttpRoute[]> {
  const out = new Map<string, HttpRoute[]>()
  for (const r of running) {
    for (const [name, list] of Object.entries(r.flow.routes?.(r.service) ?? {}) as Array<[string, readonly HttpRoute[]]>) {
      if (!listeners.some((l) => l.name === name && l.kind === 'http')) throw new Error(`flow ${r.flow.name} has routes for ${name}, which no flow opens as an http listener`)
      out.set(name, [...(out.get(name) ?? []), ...list])
    }
  }
  return out
}
