import type {ReconnectPolicy} from '../../client/reconnect-policy.js'
import type {OptionDecls, ParsedOptions} from '../profile/option-spec.js'

/**
 * What a protocol promises about chat messages, so that the run judges `lost`, `duplicates` and
 * `reordered` against it rather than against our own protocol's promises.
 */
export interface AdapterGuarantees {
  /**
   * `send()` resolves when the server acknowledged the message (true), or only when the client
   * handed it to its connection (false: MQTT QoS 0, XMPP without stream management). Without
   * acknowledgements `acked` and `send_ack` are not recorded and `lost` counts, of the messages
   * handed over, those never delivered.
   */
  readonly acknowledged: boolean
  /**
   * `at-most-once`: a message may be lost, never duplicated (MQTT QoS 0); `at-least-once`: never
   * lost once acknowledged, but may arrive twice (MQTT QoS 1): its extra copies are counted as
   * `duplicates_allowed`, not `duplicates`; `exactly-once`: neither (MQTT QoS 2, imh).
   */
  readonly delivery: 'at-most-once' | 'at-least-once' | 'exactly-once'
  /** Messages of one sender to one receiver arrive in the order sent; when false, late ones count as `reordered_allowed`. */
  readonly ordered: boolean
}

/**
 * What the harness does with a session's events. A session calls these; it never records metrics
 * itself, so every adapter is measured alike.
 */
export interface AdapterEvents {
  /** A chat message arrived for this client: its body exactly as the sender gave it to `send`. */
  message(body: string): void
  /** A phase of connecting took `ms`: `scheduler` (address look-up), `login` (credentials), `connect` (transport open until usable). */
  timing(phase: 'scheduler' | 'login' | 'connect', ms: number): void
  /** A heartbeat the client sent on its own (keep-alive, ping) came back after `ms`. */
  heartbeat(ms: number): void
  /** An operation failed; counted under `errorCode(err)` (an ImhError's code, or a socket error's). */
  error(err: unknown): void
  /** The connection dropped and the client is trying to win it back (only with `ConnectRequest.reconnect`); it no longer counts as connected until `reconnected`. Optional to call. */
  disconnected?(): void
  /** The client lost its connection and won it back itself (the session goes on). */
  reconnected(info: {reconnectMs: number; resyncMs?: number}): void
  /**
   * The session ended without `close()` being called (the server closed it, reconnecting gave
   * up): the VU ends, and the executor starts that client again as a new incarnation. Call once.
   * The harness counts `err` under its code, unless `counted` says it was told through `error()` already.
   */
  closed(err: Error, counted?: boolean): void
}

/** Everything a session is opened with. */
export interface ConnectRequest<O = Record<string, unknown>> {
  /** The client's global index in its scenario (0, 1, …), the same in every worker. */
  readonly index: number
  /** A username unique to this run and client (`imh-<runId>-<scenario>-<index>`); an adapter may use its own from `options`. */
  readonly username: string
  readonly password: string
  /** The run's `--target` URL (for `imh`: the scheduler's). */
  readonly target: string
  /** `false`: no heartbeats of its own; `true`: the protocol's or server's interval; a number: every that many ms. */
  readonly heartbeat: boolean | number
  /** How to win a lost connection back; absent: do not (the session ends and `events.closed` is called). */
  readonly reconnect?: ReconnectPolicy
  readonly requestTimeoutMs: number
  /** A loopback or local source address to bind (spreads clients over ephemeral ports); absent: the system's choice. */
  readonly localAddress?: string
  readonly tls: {readonly ca?: string; readonly rejectUnauthorized?: boolean}
  /** The profile's `options.adapterOptions`, parsed by the adapter's `options`. */
  readonly options: O
  readonly events: AdapterEvents
  /** Per-client state that outlives a session (e.g. what a scheduler answered), kept by the harness for the client's next life. */
  readonly memo: Map<string, unknown>
  /** Harness-wide services the built-in `imh` adapter needs (its dispatcher and resolver); others ignore it. */
  readonly env?: unknown
}

/** One connected, logged-in client. */
export interface AdapterSession {
  /** What a peer passes as `to` to reach this client (a user id, a JID, a topic). Published to every worker. */
  readonly address: string
  /**
   * Sends `body` (printable ASCII, the harness's message identity and times) to the client whose
   * address is `to`; `id` is unique in the run. Resolves when the server acknowledged it (or, for
   * a protocol without acknowledgements, when it was handed to the connection); rejects on failure.
   */
  send(to: string, body: string, id: string): Promise<void>
  /** One heartbeat round trip, on demand (open-model `heartbeat` scenario); resolves when answered. Optional. */
  heartbeat?(): Promise<void>
  /** Ends the session (log out, close the connection); never rejects. */
  close(): Promise<void>
}

/**
 * A client adapter: how virtual clients of the chat, heartbeat and login-storm scenarios speak a
 * server's protocol. A module passed to `imh load --adapter ./my-adapter.js` default-exports one
 * (made with {@link defineAdapter}). Options are declared like a scenario's (field, check,
 * default, doc), read from the profile's `options.adapterOptions`.
 */
export interface ClientAdapter<O extends OptionDecls = OptionDecls> {
  /** Its name, as `--adapter` takes it for a built-in and as results.json reports it. */
  readonly name: string
  /** One line for docs and `--help`. */
  readonly description: string
  /** URL schemes `--target` may use with it, without the colon (`mqtt`, `xmpp`, `ws`). */
  readonly schemes: readonly string[]
  readonly options: O
  /** What the protocol promises with these options (e.g. by QoS). */
  guarantees(options: ParsedOptions<O>): AdapterGuarantees
  /** Opens and logs in one client; rejects (coded error preferred) when it cannot. */
  connect(request: ConnectRequest<ParsedOptions<O>>): Promise<AdapterSession>
}

/** Declares an adapter; the identity, there for the type inference of its options. */
export function defineAdapter<O extends OptionDecls>(a: ClientAdapter<O>): ClientAdapter<O> {
  return a
}

/** An adapter ready for a run: the module, its options parsed, and what it promises with them. */
export interface ResolvedAdapter {
  /** As the profile or `--adapter` named it: a built-in's name or the module's absolute path. */
  spec: string
  adapter: ClientAdapter
  options: Record<string, unknown>
  guarantees: AdapterGuarantees
}
