import {once} from 'node:events'
import {setTimeout as sleep} from 'node:timers/promises'
import {client, xml, type XmlElement, type XmppClient} from '@xmpp/client'
import {ImhError} from '../../protocol/index.js'
import {backoffDelay} from '../../client/reconnect-policy.js'
import type {AdapterSession, ConnectRequest} from './adapter.js'
import {connectError, xmppError} from './xmpp-errors.js'
import type {XmppTarget} from './xmpp-target.js'

const NS_STREAMS = 'http://etherx.jabber.org/streams'
const NS_SM = 'urn:xmpp:sm:3'
/** request.heartbeat true: a ping every 30 s, as XEP-0199 §4.1 leaves the interval to the client and Conversations and Gajim use about that. */
export const DEFAULT_PING_MS = 30_000

/** What one session is opened with, already resolved from the request and the adapter's options. */
export interface XmppSessionConfig {
  target: XmppTarget
  domain: string
  username: string
  password: string
  resource: string
  streamManagement: boolean
  /** Create the account by XEP-0077 in-band registration before the first login (an existing one is fine). */
  register: boolean
  /** ms after a send before `<r/>` asks the server for an ack (sends in that window share one). */
  ackDelayMs: number
  request: ConnectRequest<unknown>
}

interface Pending {
  resolve(): void
  reject(err: Error): void
}

/** The first nonza (not a stanza: SASL, XEP-0198 elements) that `test` accepts; the listener goes when `signal` aborts. */
function nonza(c: XmppClient, test: (el: XmlElement) => boolean, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      c.off('nonza', on)
      signal.removeEventListener('abort', aborted)
    }
    const on = (el: XmlElement): void => {
      if (!test(el)) return
      done()
      resolve()
    }
    const aborted = (): void => {
      done()
      reject(signal.reason)
    }
    c.on('nonza', on)
    signal.addEventListener('abort', aborted)
  })
}

const closedError = (what: string): ImhError => new ImhError('IMH_ERR_CONNECTION_CLOSED', what)

/**
 * One logged-in XMPP client (RFC 6120/6121) on @xmpp/client: its chat messages, XEP-0199 pings,
 * XEP-0198 acks, and its own reconnection (the library's fixed 1 s reconnect is turned off: the
 * harness's policy decides attempts and back-off).
 */
export class XmppSession implements AdapterSession {
  address = ''
  private readonly c: XmppClient
  /** Sends waiting for the server's `<a/>`, by stanza (the library hands the same object back in 'ack'/'fail'). */
  private readonly pending = new Map<XmlElement, Pending>()
  private closing = false
  private ended = false
  private reconnecting = false
  private online = false
  private smOffered = false
  private lastError: unknown
  private loginMs: number | undefined
  private timer: NodeJS.Timeout | undefined
  private pinging = false
  private registered = false

  constructor(private readonly cfg: XmppSessionConfig) {
    const {request} = cfg
    this.c = client({
      service: cfg.target.service,
      domain: cfg.domain,
      resource: cfg.resource,
      timeout: request.requestTimeoutMs,
      credentials: async (authenticate, mechanisms) => {
        // SCRAM-SHA-1 (what the library prefers) whenever offered; PLAIN only if it is all there is.
        const mechanism = mechanisms.find((m) => m !== 'PLAIN' && m !== 'ANONYMOUS') ?? mechanisms.find((m) => m === 'PLAIN')
        if (!mechanism) throw new ImhError('IMH_ERR_CONNECT_FAILED', `XMPP ${cfg.target.service}: the server offers no SASL mechanism for a password (offered: ${mechanisms.join(', ')})`)
        if (cfg.register && !this.registered) await this.register()
        const started = performance.now()
        await authenticate({username: cfg.username, password: cfg.password}, mechanism)
        this.loginMs ??= performance.now() - started
      },
    })
    this.c.reconnect.stop()
    const base = this.c.socketParameters.bind(this.c)
    this.c.socketParameters = (service) => {
      const p = base(service)
      if (!p) return p
      if (request.localAddress) p.localAddress = request.localAddress
      if (cfg.target.secure) Object.assign(p, {servername: cfg.domain, ca: request.tls.ca, rejectUnauthorized: request.tls.rejectUnauthorized ?? true})
      return p
    }
    const sm = this.c.streamManagement
    sm.requestAckDebounce = cfg.ackDelayMs
    sm.timeout = request.requestTimeoutMs
    sm.on('ack', (stanza: XmlElement) => this.settle(stanza))
    sm.on('fail', (stanza: XmlElement) => this.settle(stanza, closedError('XMPP: the stream was lost before the server acknowledged the message (XEP-0198 resumption failed)')))
    // Sees <stream:features> before the library's feature handlers do: notes whether XEP-0198 is
    // offered, or hides it when streamManagement is off (so the library never enables it).
    this.c.prependListener('element', (el: XmlElement) => {
      if (!el.is('features', NS_STREAMS) || !el.getChild('sm', NS_SM)) return
      if (cfg.streamManagement) this.smOffered = true
      else el.children = el.children.filter((ch) => typeof ch === 'string' || !ch.is('sm', NS_SM))
    })
    this.c.on('error', (err: unknown) => this.onError(err))
    this.c.on('disconnect', () => this.onDisconnect())
    this.c.on('stanza', (st: XmlElement) => this.onStanza(st))
  }

  /** Connects, logs in, enables XEP-0198 and sends initial presence, within request.requestTimeoutMs. */
  async open(): Promise<void> {
    const {request} = this.cfg
    const started = performance.now()
    try {
      await this.within(this.establish(() => this.c.start()), `XMPP connect to ${this.cfg.target.service}`)
    } catch (err) {
      this.ended = true
      this.destroySocket()
      throw connectError(err, this.cfg.target.service)
    }
    this.address = this.c.jid!.bare().toString()
    if (this.loginMs !== undefined) request.events.timing('login', this.loginMs)
    request.events.timing('connect', performance.now() - started)
    const every = request.heartbeat === true ? DEFAULT_PING_MS : request.heartbeat
    if (every) this.timer = setInterval(() => void this.autoPing(), every)
  }

  async send(to: string, body: string, id: string): Promise<void> {
    if (this.closing || this.ended) throw closedError(`XMPP send to ${to}: the session is closed`)
    // Between a lost connection and its reconnection (or before XEP-0198 is back on) a send could
    // neither reach the server nor be acknowledged.
    if (!this.online || (this.cfg.streamManagement && !this.c.streamManagement.enabled)) throw closedError(`XMPP send to ${to}: not connected (reconnecting)`)
    const stanza = xml('message', {type: 'chat', to, id}, xml('body', null, body))
    if (!this.cfg.streamManagement) {
      await this.c.send(stanza).catch((err: unknown) => {
        throw xmppError(err, `XMPP send to ${to}`, 'IMH_ERR_CONNECTION_CLOSED')
      })
      return
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.set(stanza, {resolve, reject})
      this.c.send(stanza).catch((err: unknown) => this.settle(stanza, xmppError(err, `XMPP send to ${to}`, 'IMH_ERR_CONNECTION_CLOSED')))
    })
  }

  async heartbeat(): Promise<void> {
    await this.ping()
  }

  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    clearInterval(this.timer)
    this.failPending(closedError('XMPP: the session was closed before the server acknowledged the message'))
    if (!this.ended && this.online) await Promise.race([this.c.stop().catch(() => undefined), sleep(this.cfg.request.requestTimeoutMs)])
    this.ended = true
    this.destroySocket()
  }

  /**
   * XEP-0077 §3.1 on the stream before SASL: `<query xmlns='jabber:iq:register'>` with username and
   * password. `conflict` means the account exists already (a client's earlier life, a rerun): the
   * login that follows tells whether the password fits.
   */
  private async register(): Promise<void> {
    const {username, password, domain} = this.cfg
    const iq = xml('iq', {type: 'set', to: domain}, xml('query', {xmlns: 'jabber:iq:register'}, xml('username', null, username), xml('password', null, password)))
    try {
      await this.c.iqCaller.request(iq, this.cfg.request.requestTimeoutMs)
    } catch (err) {
      if ((err as {condition?: unknown}).condition !== 'conflict') throw xmppError(err, `XMPP in-band registration of ${username}@${domain}`, 'IMH_ERR_SERVER_ERROR')
    }
    this.registered = true
  }

  /** One XEP-0199 ping to the domain; resolves with its round trip in ms. */
  private async ping(): Promise<number> {
    const started = performance.now()
    const iq = xml('iq', {type: 'get', to: this.cfg.domain}, xml('ping', {xmlns: 'urn:xmpp:ping'}))
    try {
      await this.c.iqCaller.request(iq, this.cfg.request.requestTimeoutMs)
    } catch (err) {
      throw xmppError(err, `XMPP ping ${this.cfg.domain}`, 'IMH_ERR_CONNECTION_CLOSED')
    }
    return performance.now() - started
  }

  private async autoPing(): Promise<void> {
    if (!this.online || this.pinging || this.closing) return
    this.pinging = true
    try {
      this.cfg.request.events.heartbeat(await this.ping())
    } catch (err) {
      if (this.online && !this.closing) this.cfg.request.events.error(err)
    } finally {
      this.pinging = false
    }
  }

  /** Runs `start` (a first start or a reconnect) until the session is usable: online or resumed, XEP-0198 settled, presence sent. */
  private async establish(start: () => Promise<unknown>): Promise<void> {
    const sm = this.c.streamManagement
    const abort = new AbortController()
    this.smOffered = false
    try {
      const resumed = once(sm, 'resumed', {signal: abort.signal}).then(() => true)
      const online = once(this.c, 'online', {signal: abort.signal}).then(() => false)
      resumed.catch(() => undefined)
      online.catch(() => undefined)
      await start()
      // A resumed stream keeps its presence and its XEP-0198 state (XEP-0198 §5).
      if (!(await Promise.race([resumed, online]))) await this.begin(abort.signal)
    } finally {
      abort.abort()
    }
    this.online = true
  }

  /** A new session (not resumed): XEP-0198 on as the options want it, then initial presence. */
  private async begin(signal: AbortSignal): Promise<void> {
    // <enabled/> or <failed/> answers the <enable/> the library sends just after resource binding
    // ('online'), so it cannot have come yet; a <failed/> before binding refused a resumption.
    const settled = nonza(this.c, (el) => el.is('enabled', NS_SM) || el.is('failed', NS_SM), signal)
    settled.catch(() => undefined)
    if (this.cfg.streamManagement) {
      if (!this.smOffered) throw new ImhError('IMH_ERR_INVALID_OPTION', `XMPP ${this.cfg.target.service} does not offer stream management (XEP-0198): set adapterOptions.streamManagement: false to send without acknowledgements`, {option: 'adapterOptions.streamManagement'})
      await settled
      // The library marks XEP-0198 enabled in a continuation after <enabled/> arrives.
      await new Promise((resolve) => setImmediate(resolve))
      if (!this.c.streamManagement.enabled) throw new ImhError('IMH_ERR_SERVER_ERROR', `XMPP ${this.cfg.target.service} refused to enable stream management (XEP-0198)`)
    }
    // Initial presence (RFC 6121 §4.2): without it the server holds chat to the bare JID offline.
    await this.c.send(xml('presence'))
  }

  private async within(p: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ImhError('IMH_ERR_TIMEOUT', `${what}: no answer within ${this.cfg.request.requestTimeoutMs} ms`)), this.cfg.request.requestTimeoutMs)
    })
    try {
      await Promise.race([p, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private onStanza(st: XmlElement): void {
    if (st.name !== 'message') return
    if (st.attrs.type === 'error') {
      const condition = st.getChild('error')?.children.find((c): c is XmlElement => typeof c !== 'string')?.name ?? 'unknown'
      this.cfg.request.events.error(new ImhError('IMH_ERR_SERVER_ERROR', `XMPP message ${st.attrs.id ?? ''} to ${st.attrs.from ?? '?'} bounced: ${condition}`, {condition}))
      return
    }
    const body = st.getChildText('body')
    if (body !== null) this.cfg.request.events.message(body)
  }

  private onError(err: unknown): void {
    this.lastError = err
    // A socket error is followed by 'disconnect', which reports it; anything else while online is
    // an error that does not end the session.
    setImmediate(() => {
      if (this.online && this.c.status === 'online' && !this.closing && this.lastError === err) this.cfg.request.events.error(xmppError(err, 'XMPP'))
    })
  }

  private onDisconnect(): void {
    if (this.closing || this.ended || this.reconnecting || !this.online) return
    this.online = false
    const err = xmppError(this.lastError ?? closedError('the server closed the connection'), `XMPP ${this.cfg.target.service}: connection lost`, 'IMH_ERR_CONNECTION_CLOSED')
    // A newer login of the same full JID took over: coming back would only kick that one out.
    if (this.cfg.request.reconnect && err.code !== 'IMH_ERR_KICKED') {
      this.cfg.request.events.disconnected?.()
      void this.reconnect()
    } else this.end(err)
  }

  private async reconnect(): Promise<void> {
    const policy = this.cfg.request.reconnect!
    const started = performance.now()
    this.reconnecting = true
    try {
      for (let attempt = 0; attempt < policy.attempts; attempt++) {
        await sleep(backoffDelay(policy, attempt))
        if (this.closing) return
        this.lastError = undefined
        try {
          const {service, domain, lang} = this.c.options
          await this.within(this.establish(async () => {
            await this.c.connect(service)
            await this.c.open({domain, lang})
          }), `XMPP reconnect to ${service}`)
          if (this.closing) return
          this.cfg.request.events.reconnected({reconnectMs: performance.now() - started})
          return
        } catch (err) {
          this.lastError = err
          this.destroySocket()
          if (this.closing) return
        }
      }
    } finally {
      this.reconnecting = false
    }
    if (!this.closing) this.end(xmppError(this.lastError, `XMPP ${this.cfg.target.service}: reconnecting gave up after ${policy.attempts} attempts`, 'IMH_ERR_CONNECT_FAILED'))
  }

  /** The session is over without close(): fail what waits, tell the harness once. */
  private end(err: ImhError): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.timer)
    this.failPending(err)
    this.destroySocket()
    this.cfg.request.events.closed(err)
  }

  private settle(stanza: XmlElement, err?: Error): void {
    const p = this.pending.get(stanza)
    if (!p) return
    this.pending.delete(stanza)
    if (err) p.reject(err)
    else p.resolve()
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private destroySocket(): void {
    const s = (this.c as unknown as {socket?: {destroy?(): void; socket?: {destroy(): void}} | null}).socket
    if (s) (s.socket ?? s).destroy?.()
  }
}
