import {connect as netConnect, isIP} from 'node:net'
import {type ConnectionOptions, connect as tlsConnect} from 'node:tls'
import {type IConnackPacket, MqttClient} from 'mqtt'
import {ImhError} from '../../protocol/index.js'
import {backoffDelay} from '../../client/reconnect-policy.js'
import type {AdapterSession, ConnectRequest} from './adapter.js'
import {connectError, sendError} from './mqtt-errors.js'
import {type MqttOptions, keepaliveSeconds} from './mqtt-options.js'
import {MqttPings} from './mqtt-pings.js'

type State = 'connecting' | 'open' | 'reconnecting' | 'ended'

const closedError = (why: string): ImhError => new ImhError('IMH_ERR_CONNECTION_CLOSED', why)
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : 'the broker closed the connection')

/**
 * One virtual client on an MQTT broker: subscribed to its own topic (its address), publishing to
 * its peers'. mqtt.js speaks the protocol; this class decides what the harness sees: when a
 * connect is done (SUBACK, so no message to the client is missed), what a send's promise means,
 * and how a lost connection is won back (the ConnectRequest's policy, not mqtt.js's fixed period).
 */
export class MqttSession implements AdapterSession {
  readonly address: string
  private readonly client: MqttClient
  private readonly pings: MqttPings
  private state: State = 'connecting'
  private closing = false
  private lastError: unknown
  private outage?: {since: number; attempt: number; timer?: NodeJS.Timeout}
  private readonly opened: {resolve(s: MqttSession): void; reject(err: Error): void; started: number; timer: NodeJS.Timeout}

  /** Opens a session: resolves once it can send and receive (SUBACK), rejects with a coded error. */
  static open(req: ConnectRequest<MqttOptions>): Promise<MqttSession> {
    return new Promise((resolve, reject) => void new MqttSession(req, resolve, reject))
  }

  private constructor(private readonly req: ConnectRequest<MqttOptions>, resolve: (s: MqttSession) => void, reject: (err: Error) => void) {
    this.address = req.options.topicPrefix + req.username
    this.pings = new MqttPings((ms) => req.events.heartbeat(ms))
    this.opened = {resolve, reject, started: performance.now(), timer: setTimeout(() => this.failOpen(new ImhError('IMH_ERR_TIMEOUT', `MQTT connect to ${req.target}: no CONNACK and SUBACK within ${req.requestTimeoutMs} ms`)), req.requestTimeoutMs)}
    const url = new URL(req.target)
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const tls = url.protocol === 'mqtts:'
    const port = Number(url.port) || (tls ? 8883 : 1883)
    // Our own stream builder: mqtt.js's has no localAddress. tls.connect takes socket.connect()'s
    // options (localAddress) too, which its type leaves out.
    const stream = () => tls
      ? tlsConnect({host, port, localAddress: req.localAddress, servername: isIP(host) ? undefined : host, ca: req.tls.ca, rejectUnauthorized: req.tls.rejectUnauthorized ?? true} as ConnectionOptions)
      : netConnect({host, port, localAddress: req.localAddress})
    const o = req.options
    this.client = new MqttClient(stream, {
      clientId: req.username, protocolVersion: o.protocolVersion, clean: o.clean, username: o.username, password: o.password,
      keepalive: keepaliveSeconds(req.heartbeat), connectTimeout: req.requestTimeoutMs,
      // We reconnect ourselves (policy with back-off), and subscribe again ourselves so that
      // `reconnected` is reported once the client can receive again (after its SUBACK).
      reconnectPeriod: 0, resubscribe: false,
      // A QoS 0 publish while offline fails at once instead of waiting in a queue: a resolved
      // send then always means "written to a live connection".
      queueQoSZero: false,
      manualConnect: true,
    })
    this.client.on('packetsend', (p) => void (p.cmd === 'pingreq' && this.pings.sent()))
    this.client.on('packetreceive', (p) => void (p.cmd === 'pingresp' && this.pings.answered()))
    this.client.on('message', (_topic, payload) => req.events.message(payload.toString()))
    this.client.on('connect', (connack) => this.onConnack(connack))
    this.client.on('error', (err) => this.onError(err))
    this.client.on('close', () => this.onClose())
    this.client.connect()
  }

  send(to: string, body: string): Promise<void> {
    if (this.state === 'ended' || this.closing) return Promise.reject(closedError(`MQTT publish to ${to}: the session has ended`))
    return new Promise((resolve, reject) => {
      // Resolves on PUBACK (QoS 1) or PUBCOMP (QoS 2); for QoS 0 once written to the socket.
      this.client.publish(to, body, {qos: this.req.options.qos}, (err) => (err ? reject(sendError(err, to)) : resolve()))
    })
  }

  heartbeat(): Promise<void> {
    if (this.state !== 'open' || this.closing || !this.client.connected) return Promise.reject(closedError('MQTT ping: not connected'))
    // sendPing() is public in mqtt.js 5 (its keep-alive calls it): it writes one PINGREQ now.
    return this.pings.demand(() => this.client.sendPing(), this.req.requestTimeoutMs)
  }

  async close(): Promise<void> {
    if (this.state === 'ended' || this.closing) return
    this.closing = true
    clearTimeout(this.outage?.timer)
    this.pings.lost(closedError('MQTT ping: session closed'))
    // A DISCONNECT when the connection is up and idle; otherwise just drop it (end() would wait
    // for every PUBACK still due).
    const graceful = this.client.connected && Object.keys(this.client.outgoing).length === 0
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.client.stream?.destroy()
        resolve()
      }, Math.min(this.req.requestTimeoutMs, 2000))
      this.client.end(!graceful, {}, () => {
        clearTimeout(timer)
        resolve()
      })
    })
    this.failPending()
    this.state = 'ended'
  }

  private onConnack(connack: IConnackPacket): void {
    if (this.closing || this.state === 'ended') return
    // A resumed session (clean false) still holds the subscription.
    if (this.state === 'reconnecting' && connack.sessionPresent) return this.reconnected()
    this.client.subscribe(this.address, {qos: this.req.options.qos}, (err, granted) => {
      const refused = err ?? (granted?.[0] && granted[0].qos >= 0x80 ? new Error(`subscription to ${this.address} refused (code ${granted[0].qos})`) : undefined)
      if (this.state === 'connecting') {
        if (refused) return this.failOpen(new ImhError('IMH_ERR_CONNECT_FAILED', `MQTT subscribe: ${reasonOf(refused)}`))
        clearTimeout(this.opened.timer)
        this.state = 'open'
        this.req.events.timing('connect', performance.now() - this.opened.started)
        this.opened.resolve(this)
      } else if (this.state === 'reconnecting') {
        if (refused) return this.end(new ImhError('IMH_ERR_CONNECT_FAILED', `MQTT subscribe after reconnect: ${reasonOf(refused)}`))
        this.reconnected()
      }
    })
  }

  private onError(err: Error): void {
    if (this.state === 'connecting') return this.failOpen(connectError(err, this.req.target))
    this.lastError = err
    // Credentials the broker now refuses will not be accepted on the next try either.
    if (this.state === 'reconnecting' && connectError(err, this.req.target).code === 'IMH_ERR_BAD_CREDENTIALS') this.end(connectError(err, this.req.target))
  }

  private onClose(): void {
    this.pings.lost(closedError('MQTT ping: connection closed'))
    if (this.state === 'connecting') return this.failOpen(this.lastError ? connectError(this.lastError, this.req.target) : new ImhError('IMH_ERR_CONNECT_FAILED', `MQTT connect to ${this.req.target}: closed before CONNACK`))
    if (this.closing || this.state === 'ended') return
    const policy = this.req.reconnect
    if (!policy) return this.end(closedError(`MQTT connection lost: ${reasonOf(this.lastError)}`))
    if (this.state === 'open') {
      this.state = 'reconnecting'
      this.outage = {since: performance.now(), attempt: 0}
      this.req.events.disconnected?.()
    }
    const outage = this.outage!
    if (outage.attempt >= policy.attempts) return this.end(closedError(`MQTT reconnect gave up after ${outage.attempt} attempts: ${reasonOf(this.lastError)}`))
    outage.timer = setTimeout(() => {
      outage.timer = undefined
      if (this.state !== 'reconnecting' || this.closing) return
      // The same stores: QoS 1/2 publishes not yet acknowledged are sent again on the new connection.
      this.client.reconnect({incomingStore: this.client.incomingStore, outgoingStore: this.client.outgoingStore})
    }, Math.max(1, backoffDelay(policy, outage.attempt++)))
  }

  private reconnected(): void {
    if (this.state !== 'reconnecting') return
    const since = this.outage!.since
    this.outage = undefined
    this.state = 'open'
    this.req.events.reconnected({reconnectMs: performance.now() - since})
  }

  private failOpen(err: ImhError): void {
    if (this.state !== 'connecting') return
    this.state = 'ended'
    clearTimeout(this.opened.timer)
    this.client.end(true)
    this.opened.reject(err)
  }

  /** Ends the session on its own: once, with `events.closed`. */
  private end(err: ImhError): void {
    if (this.state === 'ended') return
    this.state = 'ended'
    clearTimeout(this.outage?.timer)
    this.client.end(true)
    this.failPending()
    this.req.events.closed(err)
  }

  /**
   * Fails the publishes still waiting for an acknowledgement. mqtt.js does so itself only for a
   * clean session without its own reconnect; with clean false it would keep them pending forever.
   */
  private failPending(): void {
    const outgoing = this.client.outgoing
    for (const id of Object.keys(outgoing)) {
      const entry = outgoing[Number(id)]
      delete outgoing[Number(id)]
      entry?.cb?.(new Error('Connection closed'))
    }
  }
}
