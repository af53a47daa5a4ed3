import type {AnnouncedLimits, Group, LimitSpec} from '../src/protocol/index.js'
import type {HttpRoute} from './http/route.js'
import type {LinkDirectory} from './long/link-peer.js'
import type {LongService} from './long/long-service.js'
import type {StoreSlot} from './store/store-slot.js'
import type {Store} from './store/store.js'

/** A TCP listener: the scheduler, clients' entry point (PROTOCOL.md §2), or a group of §2.2. */
export type ListenerName = 'scheduler' | Group

/**
 * A TCP listener a flow opens. The server gives them consecutive ports in the order of the flow
 * list (the first one `--port`), and lists each under its name in the scheduler's groups.
 */
export interface Listener<Name extends ListenerName = ListenerName> {
  name: Name
  /** 'http': routes the flows declare for it; 'long': the long link (§4.2) with every flow's long-link commands. */
  kind: 'http' | 'long'
  /** Path appended to the listener's address (the scheduler's /dns, the long link's /long). */
  path?: string
  /** Headers on every answer of an http listener, errors included. */
  headers?: Readonly<Record<string, string>>
}

/** UDP ports the server binds after every TCP listener and lists in `group` as `udp://host:port`. */
export interface UdpBound {
  ports: number[]
  close(): Promise<void>
}

/** What a flow's options are built from. */
export interface FlowContext<K extends string = never> {
  /** The announced limits and the flow's own. */
  readonly limits: Readonly<AnnouncedLimits & Record<K, number>>
  /** Users, tokens, inboxes and the notify bus every flow shares (PROTOCOL.md §3, §5, §6). */
  readonly store: Store
  /** The instance of a store slot the flow owns (`stores`) or uses (`needs.stores`). */
  storeOf<T>(slot: StoreSlot<T>): T
  /** Reads a group's base URL as clients reach it ('' while it has none): a group the flow opens or names in `needs.groups`. */
  base(group: Group): () => string
  /** Reads a group's addresses, live: a group the flow opens or names in `needs.groups`. */
  addresses(group: Group): () => readonly string[]
  /** The long-link node's authenticated links. */
  readonly links: LinkDirectory
}

/**
 * One flow of the reference server, declared in one place: its limits, its stores, what it needs
 * of others, its listeners, and how its service serves the long link, HTTP routes and UDP ports.
 * The service is built from `options` by `create`, or by `ReferenceServerOptions.services[name]`
 * (test doubles plant a bug there) from the same options.
 */
export interface ServerFlow<N extends string = string, K extends string = string, Li extends ListenerName = ListenerName, O = unknown, S = unknown, U extends UdpBound = UdpBound, X = unknown> {
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
  /** UDP ports it binds, their number set by one of its limits. */
  readonly udp?: {group: Group; count: NoInfer<K>; bind(service: S, at: {host: string; ports: number[]}): Promise<U>}
  /** The options of its service, from what the server has. */
  options(ctx: FlowContext<K>): O
  /** The reference service. */
  create(options: O): S
  /** Its long-link commands. */
  long?(service: S): LongService
  /** Its HTTP routes, by listener. */
  routes?(service: S): Partial<Record<ListenerName, readonly HttpRoute[]>>
  /** What the running server shows of it (counters for tests and benchmarks). */
  status?(service: S, udp: U | undefined): X
  /** The server closes: stop timers, release what is held (long-link services are closed by the long node). */
  close?(service: S): void
}

/** Any flow, for code that treats them all alike. */
export type AnyServerFlow = ServerFlow<string, string, ListenerName, any, any, any, any>

/**
 * Declares a flow, keeping its name, limit keys, listeners, options and service types for the
 * derived records (`FlowServices`, `FlowStatuses`, `ServerLimits`, the server's URLs). Write
 * `options` and `create` before `long`, `routes`, `udp` and `status`: those are typed from them.
 */
export function defineServerFlow<const N extends string, O, S, K extends string = never, const Li extends ListenerName = never, U extends UdpBound = UdpBound, X = undefined>(
  flow: ServerFlow<N, K, Li, O, S, U, X>,
): ServerFlow<N, K, Li, O, S, U, X> {
  return flow
}

export type FlowName<F> = F extends ServerFlow<infer N> ? N : never
export type FlowLimitKey<F> = F extends ServerFlow<string, infer K> ? K : never
export type FlowListener<F> = F extends ServerFlow<string, string, infer Li> ? Li : never
export type FlowOptions<F> = F extends ServerFlow<string, string, ListenerName, infer O> ? O : never
export type FlowService<F> = F extends ServerFlow<string, string, ListenerName, unknown, infer S> ? S : never
export type FlowStatus<F> = F extends ServerFlow<string, string, ListenerName, unknown, unknown, UdpBound, infer X> ? X : never
