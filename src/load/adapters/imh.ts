import type {LinkTransportKind} from '../../client/link-transport.js'
import type {CloseInfo} from '../../client/long-link.js'
import {ResolverCache} from '../../client/resolve.js'
import {type ClientObserver, type ReconnectInfo, VirtualClient} from '../../client/virtual-client.js'
import {type ChatMessage, CMD, type ErrorReply, ImhError, isErrorCode} from '../../protocol/index.js'
import type {SourceAddresses} from '../source-addresses.js'
import {type AdapterEvents, type AdapterSession, type ConnectRequest, defineAdapter} from './adapter.js'

/** What the harness lends the imh adapter (ConnectRequest.env): the source addresses' HTTP dispatchers and the run's long-link transport. */
export interface ImhEnv {
  addresses: SourceAddresses
  transport?: LinkTransportKind
}

const RESOLVER = 'imh.resolver'

/**
 * A VirtualClient's events, told to the harness in the adapter contract's terms. The client's
 * observer: methods of a class, so that a worker's thousands of clients carry no listener
 * closures. Server errors are counted by their code as they come; the last one names why the
 * session ended if the link closes after it.
 */
class ImhObserver implements ClientObserver {
  private lastServerError: ImhError | undefined
  /** close() was called: the link's close is no failure. */
  closing = false
  private ended = false

  constructor(private readonly events: AdapterEvents) {}

  message(_c: VirtualClient, m: ChatMessage): void {
    this.events.message(m.content)
  }

  timing(_c: VirtualClient, phase: 'scheduler' | 'login' | 'connect', ms: number): void {
    this.events.timing(phase, ms)
  }

  heartbeat(_c: VirtualClient, ms: number): void {
    this.events.heartbeat(ms)
  }

  error(_c: VirtualClient, err: Error): void {
    this.events.error(err)
  }

  'server-error'(_c: VirtualClient, e: ErrorReply): void {
    // The code as the server sent it, even one we do not know (another team's server).
    this.events.error({code: e.code})
    this.lastServerError = new ImhError(isErrorCode(e.code) ? e.code : 'IMH_ERR_SERVER_ERROR', e.errMsg)
  }

  close(c: VirtualClient, info: CloseInfo): void {
    if (this.closing) return
    this.events.disconnected?.()
    // A client coming back keeps its session; it ends only if every try fails.
    if (c.reconnecting) return
    this.end(this.lastServerError ?? new ImhError('IMH_ERR_CONNECTION_CLOSED', `the server closed the long link (${info.code} ${info.reason})`), !this.lastServerError)
  }

  reconnected(_c: VirtualClient, info: ReconnectInfo): void {
    this.lastServerError = undefined
    this.events.reconnected(info)
  }

  'reconnect-failed'(_c: VirtualClient, err: Error): void {
    if (this.closing) return
    const failure = this.lastServerError ?? (err instanceof ImhError ? err : new ImhError('IMH_ERR_CONNECT_FAILED', err.message))
    this.end(failure, !this.lastServerError)
  }

  /** `uncounted`: the failure was not told as an error yet (a server error was, when it came). */
  private end(err: ImhError, uncounted: boolean): void {
    if (this.ended) return
    this.ended = true
    this.events.closed(err, !uncounted)
  }
}

/** A session of ours: the VirtualClient, reachable for the scenarios that speak more of the protocol than chat. */
export class ImhSession implements AdapterSession {
  constructor(readonly client: VirtualClient, private readonly observer: ImhObserver) {}

  get address(): string {
    return this.client.userId!
  }

  send(to: string, body: string, id: string): Promise<void> {
    // The reply itself, not an async wrapper around it: one promise less per message.
    return this.client.sendText(to, body, id) as Promise<unknown> as Promise<void>
  }

  async heartbeat(): Promise<void> {
    await this.client.link!.request(CMD.NOOP)
  }

  async close(): Promise<void> {
    this.observer.closing = true
    await this.client.close().catch(() => undefined)
  }
}

/**
 * Our own protocol (PROTOCOL.md): scheduler look-up, register and login on the short link, the
 * long link with AUTH, SEND_MSG acknowledged by the server, delivery by notify-then-SYNC.
 */
export const imhAdapter = defineAdapter({
  name: 'imh',
  description: "imharness's own protocol (PROTOCOL.md): scheduler, short-link login, long link (WebSocket or TCP), messages acknowledged and delivered by notify-then-SYNC; the default",
  schemes: ['http', 'https'],
  options: {},
  guarantees: () => ({acknowledged: true, delivery: 'exactly-once', ordered: true}),
  connect: connectImh,
})

/** Connects one client of our protocol: look-up, register and login, long link with AUTH (VirtualClient.start). */
export async function connectImh(request: ConnectRequest<Record<string, unknown>>): Promise<ImhSession> {
  const env = request.env as ImhEnv | undefined
  const scheduler = request.target
  const dispatcher = env?.addresses.dispatcherFor(request.index, scheduler)
  // A client that starts again after its session ended is the same device as before and keeps
  // what the scheduler told it (PROTOCOL.md §2.4): within the answer's ttl it asks nobody, and
  // past it a scheduler that does not answer leaves it the learned fallback list.
  let cache = request.memo.get(RESOLVER) as ResolverCache | undefined
  if (!cache) request.memo.set(RESOLVER, (cache = new ResolverCache()))
  const observer = new ImhObserver(request.events)
  const client = new VirtualClient({
    resolve: {scheduler, clientId: request.username, dispatcher, cache},
    credentials: {username: request.username, password: request.password},
    register: true,
    heartbeat: request.heartbeat,
    requestTimeoutMs: request.requestTimeoutMs,
    localAddress: request.localAddress,
    dispatcher,
    ca: request.tls.ca,
    rejectUnauthorized: request.tls.rejectUnauthorized,
    ...(env?.transport ? {transport: env.transport} : {}),
    observer,
    ...(request.reconnect ? {reconnect: request.reconnect} : {}),
  })
  try {
    await client.start()
  } catch (err) {
    await client.close().catch(() => undefined)
    throw err
  }
  return new ImhSession(client, observer)
}
