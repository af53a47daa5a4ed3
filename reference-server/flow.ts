import type {AnnouncedLimits, Feature, Group, LimitSpec} from '../src/protocol/index.js'
import type {GroupMember} from './cluster/group-member.js'
import type {HttpRoute} from './http/route.js'
import type {LinkDirectory} from './long/link-peer.js'
import type {LongService} from './long/long-service.js'
import type {StoreSlot} from './store/store-slot.js'
import type {Store} from './store/store.js'

/**
 * A TCP listener any flow may route to: the scheduler, clients' entry point (PROTOCOL.md §2), or a
 * group of §2.2. A flow may also open listeners of its own, named as it likes, that the scheduler
 * does not list (the shop group, found by DNS, §17.1); only that flow routes to them.
 */
export type ListenerName = 'scheduler' | Group

/**
 * A TCP listener a flow opens. The server gives them consecutive ports in the order of the flow
 * list (the first one `--port`), and lists each that is a group under its name in the scheduler's
 * groups.
 */
export interface Listener<Name extends string = ListenerName> {
  name: Name
  /**
   * 'http': routes the flows declare for it; 'long': the long link over WebSocket (§4.2) with every
   * flow's long-link commands; 'long-stream': the same long link as a byte stream (tcp://, tls://).
   */
  kind: 'http' | 'long' | 'long-stream'
  /**
   * The group whose list the listener's address joins when that is not its name: the long link's
   * stream port is listed in `long` after the WebSocket one, and opens and closes with that group.
   */
  group?: Group
  /** Path appended to the listener's address (the scheduler's /dns, the long link's /long). */
  path?: string
  /** Headers on every answer of an http listener, errors included. */
  headers?: Readonly<Record<string, string>>
}

/** UDP ports the server binds after every TCP listener, in the order of the flow list. */
export interface UdpBound {
  ports: number[]
  close(): Promise<void>
}

/** The UDP ports a flow binds, and how it serves them. */
export interface UdpSpec<K extends string, S, U extends UdpBound> {
  /**
   * The scheduler group that lists the ports as `udp://host:port` (§2.2); none for ports that
   * serve no group (the shop's DNS server, §17.1).
   */
  group?: Group
  /** How many: one of the flow's limits, or a fixed number. */
  count: NoInfer<K> | number
  /** What the ports are, for `imh serve --help`; default "the <group> group's UDP ports". */
  label?: string
  bind(service: S, at: {host: string; ports: number[]}): Promise<U>
}

/** What a flow's options are built from; `Li` are the flow's own listeners. */
export interface FlowContext<K extends string = never, Li extends string = never> {
  /** The announced limits and the flow's own. */
  readonly limits: Readonly<AnnouncedLimits & Record<K, number>>
  /** Users, tokens, inboxes and the notify bus every flow shares (PROTOCOL.md §3, §5, §6). */
  readonly store: Store
  /** The instance of a store slot the flow owns (`stores`) or uses (`needs.stores`). */
  storeOf<T>(slot: StoreSlot<T>): T
  /**
   * Reads a listener's base URL as clients reach it ('' while it has none): a group the flow opens
   * or names in `needs.groups`, or a listener of its own.
   */
  base(listener: Group | Li): () => string
  /** Reads a group's addresses, live: a group the flow opens or names in `needs.groups`. */
  addresses(group: Group): () => readonly string[]
  /**
   * The server's live nodes with their addresses and load (PROTOCOL.md §2.5): this node alone,
   * unless it shares a Redis with others (cluster/membership.ts). What the scheduler spreads over.
   */
  members(): readonly GroupMember[]
  /** The long-link node's authenticated links. */
  readonly links: LinkDirectory
  /** The optional features the server runs, in the flow list's order: what its scheduler announces (PROTOCOL.md §2.2). */
  readonly features: readonly Feature[]
}

/**
 * One flow of the reference server, declared in one place: its limits, its stores, what it needs
 * of others, its listeners, and how its service serves the long link, HTTP routes and UDP ports.
 * The service is built from `options` by `create`, or by `ReferenceServerOptions.services[name]`
 * (test doubles plant a bug there) from the same options.
 */
export interface ServerFlow<N extends string = string, K extends string = string, Li extends string = ListenerName, O = unknown, S = unknown, U extends UdpBound = UdpBound, X = unknown> {
  /** The flow id shared by every layer (core, qr, talk, …). */
  readonly name: N
  /** Limits only the server has (the announced ones are protocol's); `imh serve` flags derive from them. */
  readonly limits: readonly LimitSpec<K>[]
  /** The stores it keeps its own state in. */
  readonly stores?: readonly StoreSlot<unknown>[]
  /** Groups and stores of other flows it reads. */
  readonly needs?: {readonly groups?: readonly Group[]; readonly stores?: readonly StoreSlot<unknown>[]}
  /** The TCP listeners it opens. */
  readonly listeners?: readonly Listener<Li>[]
  /** UDP ports it binds. */
  readonly udp?: UdpSpec<K, S, U>
  /** The options of its service, from what the server has. */
  options(ctx: FlowContext<K, Li>): O
  /** The reference service. */
  create(options: O): S
  /** Its long-link commands. */
  long?(service: S): LongService
  /** Its HTTP routes, by listener: the shared ones and its own. */
  routes?(service: S): Partial<Record<ListenerName | Li, readonly HttpRoute[]>>
  /**
   * The `host:port` (UDP) of a DNS server the flow runs for the names it gives out that the
   * scheduler does not list (PROTOCOL.md §2.4): what clients are given as their resolver. The
   * ready line names it `dns`. At most one flow runs one.
   */
  resolver?(service: S, udp: U | undefined): string
  /** What the running server shows of it (counters for tests and benchmarks). */
  status?(service: S, udp: U | undefined): X
  /** The server closes: stop timers, release what is held (long-link services are closed by the long node). */
  close?(service: S): void
}

/** Any flow, for code that treats them all alike. */
export type AnyServerFlow = ServerFlow<string, string, string, any, any, any, any>

/**
 * Declares a flow, keeping its name, limit keys, listeners, options and service types for the
 * derived records (`FlowServices`, `FlowStatuses`, `ServerLimits`, the server's URLs). Write
 * `options` and `create` before `long`, `routes`, `udp` and `status`: those are typed from them.
 */
export function defineServerFlow<const N extends string, O, S, K extends string = never, const Li extends string = never, U extends UdpBound = UdpBound, X = undefined>(
  flow: ServerFlow<N, K, Li, O, S, U, X>,
): ServerFlow<N, K, Li, O, S, U, X> {
  return flow
}

export type FlowName<F> = F extends ServerFlow<infer N, any, any, any, any, any, any> ? N : never
export type FlowLimitKey<F> = F extends ServerFlow<string, infer K, any, any, any, any, any> ? K : never
export type FlowListener<F> = F extends ServerFlow<string, string, infer Li, any, any, any, any> ? Li : never
export type FlowOptions<F> = F extends ServerFlow<string, string, any, infer O, any, any, any> ? O : never
export type FlowService<F> = F extends ServerFlow<string, string, any, any, infer S, any, any> ? S : never
export type FlowStatus<F> = F extends ServerFlow<string, string, any, any, any, any, infer X> ? X : never
