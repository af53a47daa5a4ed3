import type {ErrorCode} from './errors.js'
import type {LimitSpec} from './limit-spec.js'

/**
 * The protocol contract of a flow: everything PROTOCOL.md says about one flow that code can check,
 * declared in one place. `PROTOCOL_FLOWS` (flows.ts) lists the flows; `CMD`, the command lookups,
 * the SYNC categories and the announced limits are derived from that list and never written out
 * again.
 */

/**
 * What a parser may know of the flows declared beside its own. SYNC is core's, but its categories
 * come from every flow, so the SYNC parsers are handed the declared categories instead of
 * importing the list (which imports them).
 */
export interface DeclaredFlows {
  readonly syncCategories: readonly SyncCategorySpec[]
}

/**
 * Checks one frame body (already JSON-decoded) and returns it typed. A request body is checked by
 * the server (IMH_ERR_BAD_BODY); a reply or a push by the client (IMH_ERR_PROTOCOL_VIOLATION).
 * Most parsers ignore `flows`.
 */
export type BodyParser<T = unknown> = (body: unknown, flows: DeclaredFlows) => T

/** A command the client sends (PROTOCOL.md §4.3 "C→S"); the server answers it with the same cmd and seq, or with ERROR. */
export interface RequestSpec<N extends string = string, I extends number = number> {
  readonly name: N
  readonly id: I
  readonly direction: 'request'
  /** The server's check of the request body; absent when the body is not read (NOOP). */
  readonly body?: BodyParser
  /** The client's check of the reply body, or 'empty' for a reply without one. */
  readonly reply: BodyParser | 'empty'
}

/** A frame the server sends on its own (seq 0) or in place of a reply (ERROR). */
export interface PushSpec<N extends string = string, I extends number = number> {
  readonly name: N
  readonly id: I
  readonly direction: 'push'
  /** The client's check of the push body. */
  readonly body: BodyParser
}

export type CommandSpec = RequestSpec | PushSpec

export function request<const N extends string, const I extends number>(name: N, id: I, parsers: {body?: BodyParser; reply: BodyParser | 'empty'}): RequestSpec<N, I> {
  return {name, id, direction: 'request', ...parsers}
}

export function push<const N extends string, const I extends number>(name: N, id: I, body: BodyParser): PushSpec<N, I> {
  return {name, id, direction: 'push', body}
}

/**
 * One inbox category of SYNC (PROTOCOL.md §6.1): its own SyncKey, its own SYNC_NOTIFY
 * (`{category}`), and a SYNC reply whose `itemsField` holds its entries. A client keeps one key
 * and one pull loop per declared category and emits each entry as `itemEvent`.
 */
export interface SyncCategorySpec<N extends string = string, F extends string = string, T = unknown, E extends string = string, NE extends string = string> {
  /** The `category` of SYNC and SYNC_NOTIFY bodies. */
  readonly name: N
  /** The SYNC reply field that holds the entries (`messages` for chat). */
  readonly itemsField: F
  /** The client's check of one entry (IMH_ERR_PROTOCOL_VIOLATION). */
  readonly item: (v: unknown) => T
  /** The client event each pulled entry is emitted as. */
  readonly itemEvent: E
  /** The client event a SYNC_NOTIFY of this category is emitted as. */
  readonly notifyEvent: NE
  /** PROTOCOL.md section that defines the category's entries. */
  readonly section: string
}

/** Keeps the literal name, field and events of a category, so client events are typed by them. */
export function defineSyncCategory<const N extends string, const F extends string, T, const E extends string, const NE extends string>(
  spec: SyncCategorySpec<N, F, T, E, NE>,
): SyncCategorySpec<N, F, T, E, NE> {
  return spec
}

/** The entry type of a category. */
export type SyncItemOf<C> = C extends SyncCategorySpec<string, string, infer T> ? T : never

/** A service group the scheduler hands out (PROTOCOL.md §2.2): a key of the answer's `groups`. */
export interface GroupSpec<N extends string = string> {
  readonly name: N
  /** URL schemes its addresses may use, e.g. ["udp:"]. */
  readonly schemes: readonly string[]
}

/** A route on the short link (PROTOCOL.md §3): appended to a `short` group base URL, JSON in and out. */
export interface ShortRouteSpec {
  readonly method: 'GET' | 'POST'
  readonly path: string
  /** Whether the request carries the session token (§3.2). */
  readonly auth: boolean
}

export interface ProtocolFlow {
  /** The flow id shared by every layer (core, qr, talk, nearby, shake, bottle, moments, media, …). */
  readonly name: string
  readonly title: string
  /** The top-level PROTOCOL.md sections the flow is defined in, e.g. ["12"]. */
  readonly sections: readonly string[]
  /** The scheduler groups that serve the flow and no other (PROTOCOL.md §2.2); most flows ride core's long and short. */
  readonly groups: readonly GroupSpec[]
  /** Its routes on core's short link, by name (moments' friends and posts, §15); most flows have none. */
  readonly shortRoutes: Readonly<Record<string, ShortRouteSpec>>
  /** Long-link commands; a flow served only over HTTP has none. */
  readonly commands: readonly CommandSpec[]
  /**
   * The wire error codes this flow introduces (defined in src/protocol/errors.ts and listed in
   * PROTOCOL.md §9). A code belongs to exactly one flow: the one whose section defines it. Codes a
   * flow merely answers with, such as core's IMH_ERR_BAD_BODY, stay the defining flow's; codes with
   * ret 0 never travel and belong to the harness, to no flow.
   */
  readonly errors: readonly ErrorCode[]
  readonly syncCategories: readonly SyncCategorySpec[]
  /** Limits a server announces in the scheduler answer (PROTOCOL.md §2.3) that this flow defines. */
  readonly limits: readonly LimitSpec[]
}

/** Keeps a flow's literal names, ids, categories and limit keys, from which the derived tables are typed. */
export function defineProtocolFlow<const F extends ProtocolFlow>(flow: F): F {
  return flow
}
