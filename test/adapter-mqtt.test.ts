import {createServer, type Server, type Socket} from 'node:net'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import type {AdapterSession, ConnectRequest} from '../src/load/adapters/adapter.js'
import {parseAdapterOptions} from '../src/load/adapters/adapter-options.js'
import {mqttAdapter} from '../src/load/adapters/mqtt.js'
import type {MqttOptions} from '../src/load/adapters/mqtt-options.js'
import {errorCode} from '../src/load/scenarios/context.js'
import {type AdapterTarget, adapterContractSuite, type Recorded, recorder, requestFor} from './support/adapter-suite.js'
import {freePort} from './support/free-port.js'
import {mosquittoTests, startMosquitto, type TestMosquitto, warnIfNoMosquitto} from './support/mosquitto.js'
import {until} from './support/until.js'

warnIfNoMosquitto('the mqtt adapter tests')

const asTarget = async (broker: TestMosquitto, options: Record<string, unknown>): Promise<AdapterTarget> => ({
  target: broker.url,
  options,
  unreachable: `mqtt://127.0.0.1:${await freePort()}`,
  close: () => broker.stop(),
})

for (const qos of [0, 1, 2]) {
  adapterContractSuite(mqttAdapter, async () => (mosquittoTests ? asTarget(await startMosquitto(), {qos}) : undefined))
}

const body = (from: number, seq: number): string => `imh2|${from}|0|${seq}|1|${seq}.000|${seq}.000|`
const rejected = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e)
const options = (raw: Record<string, unknown> = {}): MqttOptions => parseAdapterOptions(mqttAdapter, raw, 'test')

/**
 * A mosquitto for the enclosing describe block (started before its first test, stopped after its
 * last) and `connect` for sessions on it, closed after each test.
 */
function useBroker(first: number): {broker(): TestMosquitto; target(): AdapterTarget; connect(raw?: Record<string, unknown>, over?: Partial<ConnectRequest<MqttOptions>>): Promise<[AdapterSession, Recorded]>} {
  let broker: TestMosquitto
  const open: AdapterSession[] = []
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
  })
  afterAll(async () => {
    await broker?.stop()
  })
  const target = (): AdapterTarget => ({target: broker.url, unreachable: '', close: async () => {}})
  let next = first
  return {
    broker: () => broker,
    target,
    async connect(raw = {}, over = {}) {
      const events = recorder()
      const s = await mqttAdapter.connect(requestFor(target(), next++, options(raw), events, over))
      open.push(s)
      return [s, events]
    },
  }
}

describe.runIf(mosquittoTests)('mqtt adapter against mosquitto', () => {
  const {broker: current, target, connect} = useBroker(100)
  let broker: TestMosquitto
  beforeAll(() => void (broker = current()))

  it('declares per QoS what MQTT promises: 0 at most once unacknowledged, 1 at least once, 2 exactly once, all ordered', () => {
    expect(mqttAdapter.guarantees(options({qos: 0}))).toEqual({acknowledged: false, delivery: 'at-most-once', ordered: true})
    expect(mqttAdapter.guarantees(options({qos: 1}))).toEqual({acknowledged: true, delivery: 'at-least-once', ordered: true})
    expect(mqttAdapter.guarantees(options({qos: 2}))).toEqual({acknowledged: true, delivery: 'exactly-once', ordered: true})
    expect(mqttAdapter.guarantees(options())).toEqual(mqttAdapter.guarantees(options({qos: 1})))
  })

  it('addresses a client by its topic <topicPrefix><username>', async () => {
    const [a] = await connect({topicPrefix: 'load/chat/'}, {username: 'alice-topic'})
    expect(a.address).toBe('load/chat/alice-topic')
  })

  it('resolves a QoS 1 send only on the broker\'s PUBACK (and a QoS 0 one without waiting for the broker)', async () => {
    const [a] = await connect({qos: 1})
    const [b, eb] = await connect({qos: 1})
    const [c] = await connect({qos: 0})
    process.kill(broker.pid, 'SIGSTOP')
    let acked = false
    const sent = a.send(b.address, body(1, 0), 'puback.0').then(() => void (acked = true))
    try {
      await c.send(b.address, body(2, 0), 'puback.q0')
      await new Promise((r) => setTimeout(r, 300))
      expect(acked).toBe(false)
    } finally {
      process.kill(broker.pid, 'SIGCONT')
    }
    await sent
    expect(acked).toBe(true)
    await eb.waitFor(2)
  })

  it('delivers one sender\'s messages in the order sent, many in flight at once', async () => {
    for (const qos of [0, 1, 2]) {
      const [a] = await connect({qos})
      const [b, eb] = await connect({qos})
      const bodies = Array.from({length: 300}, (_, i) => body(qos, i))
      // QoS 2 in windows of 10: Mosquitto 2.0 refuses QoS 2 messages beyond a subscriber's 20 in
      // flight (next test); the order is what this test is about.
      const window = qos === 2 ? 10 : bodies.length
      for (let i = 0; i < bodies.length; i += window) await Promise.all(bodies.slice(i, i + window).map((m, j) => a.send(b.address, m, `order.${qos}.${i + j}`)))
      await eb.waitFor(bodies.length)
      expect(eb.bodies).toEqual(bodies)
    }
  })

  it('QoS 2 over MQTT 5: a message the broker refuses (quota exceeded) rejects its send; exactly the acknowledged ones arrive, in order', async () => {
    const [a] = await connect({qos: 2, protocolVersion: 5})
    const [b, eb] = await connect({qos: 2, protocolVersion: 5})
    const bodies = Array.from({length: 100}, (_, i) => body(5, i))
    const outcomes = await Promise.all(bodies.map((m, i) => a.send(b.address, m, `quota.${i}`).then(() => 'ok', (e: unknown) => errorCode(e))))
    const acked = bodies.filter((_, i) => outcomes[i] === 'ok')
    expect(new Set(outcomes.filter((o) => o !== 'ok'))).toEqual(new Set(acked.length < bodies.length ? ['IMH_ERR_SERVER_ERROR'] : []))
    await eb.waitFor(acked.length)
    await new Promise((r) => setTimeout(r, 300))
    expect(eb.bodies).toEqual(acked)
  })

  it('answers a ping on demand and times keep-alive pings', async () => {
    const [a] = await connect()
    await a.heartbeat!()
    const [, e] = await connect({}, {heartbeat: 1000})
    await until(() => e.heartbeats.length >= 2, 5000)
    expect(e.heartbeats.every((ms) => ms >= 0 && ms < 1000)).toBe(true)
  })

  it('binds the local address it is given', async () => {
    const [a, ea] = await connect({}, {localAddress: '127.0.0.1'})
    await a.send(a.address, body(0, 0), 'local.0')
    await ea.waitFor(1)
  })

  it('refuses a target that accepts TCP but never answers with IMH_ERR_TIMEOUT within requestTimeout', async () => {
    const sockets: Socket[] = []
    const silent: Server = createServer((s) => void sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()))
    try {
      const started = Date.now()
      const t = {...target(), target: `mqtt://127.0.0.1:${(silent.address() as {port: number}).port}`}
      const err = await rejected(mqttAdapter.connect(requestFor(t, 1, options(), recorder(), {requestTimeoutMs: 500})))
      expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      for (const s of sockets) s.destroy()
      silent.close()
    }
  })
})

/** A stream of messages a → b, one every `everyMs`, recording what each send() did. */
function stream(a: AdapterSession, to: string, tag: string, everyMs: number) {
  const resolved = new Set<string>()
  const failed = new Map<string, string>()
  let n = 0
  let stopped = false
  const pending: Array<Promise<void>> = []
  const run = (async () => {
    while (!stopped && n < 2000) {
      const m = body(9, n++) + tag
      pending.push(a.send(to, m, `${tag}.${n}`).then(() => void resolved.add(m), (e: unknown) => void failed.set(m, errorCode(e))))
      await new Promise((r) => setTimeout(r, everyMs))
    }
  })()
  return {
    resolved, failed,
    get sent() {
      return n
    },
    async stop() {
      stopped = true
      await run
      await Promise.all(pending)
    },
  }
}

describe.runIf(mosquittoTests)('mqtt adapter when the broker goes away', () => {
  const {broker: current, connect} = useBroker(200)
  let broker: TestMosquitto
  beforeAll(() => void (broker = current()))
  const reconnect = {baseMs: 100, capMs: 400, attempts: 40}
  /** Stops the broker for ~2 s (SIGKILL: a crash; SIGTERM: a shutdown) and starts it again on the same port. */
  const outage = async (signal: NodeJS.Signals): Promise<void> => {
    await broker.kill(signal)
    await new Promise((r) => setTimeout(r, 2000))
    await broker.start()
  }
  /**
   * Two reconnecting clients at `qos`, a streaming to b every `everyMs` through a broker outage;
   * the stream stops once both are back and subscribed again (plus `settleMs`).
   */
  const throughOutage = async (qos: number, everyMs: number, settleMs: number, signal: NodeJS.Signals) => {
    const [a, ea] = await connect({qos}, {reconnect})
    const [b, eb] = await connect({qos}, {reconnect})
    const s = stream(a, b.address, `q${qos}`, everyMs)
    await new Promise((r) => setTimeout(r, 300))
    await outage(signal)
    await until(() => ea.reconnects === 1 && eb.reconnects === 1, 5000)
    await new Promise((r) => setTimeout(r, settleMs))
    await s.stop()
    // Every send resolved or failed coded, none left hanging: those of the outage failed at once
    // (QoS 0) or were sent again on the new connection (QoS 1).
    expect(s.resolved.size + s.failed.size).toBe(s.sent)
    for (const code of s.failed.values()) expect(code).toBe('IMH_ERR_CONNECTION_CLOSED')
    return {a, b, ea, eb, s}
  }

  it('with reconnect given, QoS 1 sessions come back after the broker is stopped (SIGTERM) and started again (reconnected, resubscribed) and deliver new messages', async () => {
    const {a, b, ea, eb} = await throughOutage(1, 20, 300, 'SIGTERM')
    // After both came back (and b subscribed again), every message arrives.
    const after = Array.from({length: 20}, (_, i) => body(8, i))
    for (const [i, m] of after.entries()) await a.send(b.address, m, `after.${i}`)
    await until(() => after.every((m) => eb.bodies.includes(m)), 5000)
    expect(eb.bodies.filter((m) => m.startsWith('imh2|8|'))).toEqual(after)
    expect([...ea.closedWith, ...eb.closedWith]).toEqual([])
  })

  it('QoS 0 through a broker crash (SIGKILL): what is lost is only lost, never thrown; nothing arrives that send() did not resolve', async () => {
    const {eb, s} = await throughOutage(0, 10, 500, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    const received = eb.bodies.filter((m) => m.endsWith('q0'))
    expect(s.failed.size).toBeGreaterThan(0)
    expect(received.length).toBeLessThan(s.sent)
    expect(received.length).toBeGreaterThan(0)
    for (const m of received) expect(s.resolved.has(m)).toBe(true)
    expect(new Set(received).size).toBe(received.length)
    console.log(`QoS 0 outage: ${s.sent} sent, ${s.resolved.size} resolved, ${s.failed.size} rejected (IMH_ERR_CONNECTION_CLOSED), ${received.length} received`)
  })

  it('without reconnect, a broker crash ends the session: closed once with IMH_ERR_CONNECTION_CLOSED, and sends reject coded', async () => {
    const [a, ea] = await connect({qos: 1})
    await broker.kill('SIGKILL')
    try {
      await until(() => ea.closedWith.length > 0, 3000)
      await new Promise((r) => setTimeout(r, 200))
      expect(ea.closedWith.map(errorCode)).toEqual(['IMH_ERR_CONNECTION_CLOSED'])
      expect(errorCode(await rejected(a.send(a.address, body(0, 0), 'dead.0')))).toBe('IMH_ERR_CONNECTION_CLOSED')
      expect(errorCode(await rejected(a.heartbeat!()))).toBe('IMH_ERR_CONNECTION_CLOSED')
    } finally {
      await broker.start()
    }
  })

  it('with reconnect given, gives up after its attempts and calls closed once', async () => {
    const [a, ea] = await connect({qos: 1}, {reconnect: {baseMs: 50, capMs: 100, attempts: 3}})
    const pending = rejected(a.send(a.address, body(0, 0), 'giveup.0').then(() => 'resolved'))
    await broker.kill('SIGKILL')
    try {
      await until(() => ea.closedWith.length > 0, 4000)
      await new Promise((r) => setTimeout(r, 300))
      expect(ea.closedWith.map(errorCode)).toEqual(['IMH_ERR_CONNECTION_CLOSED'])
      expect(ea.closedWith[0]!.message).toMatch(/gave up after 3 attempts/)
      expect(ea.reconnects).toBe(0)
      // Sent before the crash: acknowledged then (resolved) or failed with the session, never left hanging.
      expect(['resolved', 'IMH_ERR_CONNECTION_CLOSED']).toContain(await pending.then((v) => (v === undefined ? 'resolved' : errorCode(v))))
    } finally {
      await broker.start()
    }
  })
})

describe.runIf(mosquittoTests)('mqtt adapter against a broker with accounts', () => {
  let broker: TestMosquitto
  beforeAll(async () => {
    broker = await startMosquitto({users: {loader: 'right-password'}})
  })
  afterAll(async () => {
    await broker?.stop()
  })
  const attempt = (raw: Record<string, unknown>, protocolVersion: 4 | 5) =>
    mqttAdapter.connect(requestFor({target: broker.url, unreachable: '', close: async () => {}}, 1, parseAdapterOptions(mqttAdapter, {...raw, protocolVersion}, 'test'), recorder()))

  for (const protocolVersion of [4, 5] as const) {
    it(`refuses wrong or missing credentials with IMH_ERR_BAD_CREDENTIALS (MQTT ${protocolVersion === 4 ? '3.1.1' : '5.0'}), accepts the right ones`, async () => {
      expect(errorCode(await rejected(attempt({username: 'loader', password: 'wrong'}, protocolVersion)))).toBe('IMH_ERR_BAD_CREDENTIALS')
      expect(errorCode(await rejected(attempt({}, protocolVersion)))).toBe('IMH_ERR_BAD_CREDENTIALS')
      const s = await attempt({username: 'loader', password: 'right-password'}, protocolVersion)
      await s.close()
    })
  }
})

describe.runIf(mosquittoTests)('mqtt adapter over TLS (mqtts://)', () => {
  let broker: TestMosquitto
  beforeAll(async () => {
    broker = await startMosquitto({tls: true})
  })
  afterAll(async () => {
    await broker?.stop()
  })
  const attempt = (index: number, tls: ConnectRequest['tls'], events = recorder()) =>
    mqttAdapter.connect(requestFor({target: broker.url, unreachable: '', close: async () => {}}, index, options(), events, {tls}))

  it('connects trusting the run\'s CA and carries messages; refuses an untrusted certificate with IMH_ERR_CONNECT_FAILED', async () => {
    expect(broker.url).toMatch(/^mqtts:/)
    const events = recorder()
    const a = await attempt(1, {ca: broker.ca}, events)
    await a.send(a.address, body(0, 0), 'tls.0')
    await events.waitFor(1)
    expect(events.bodies).toEqual([body(0, 0)])
    await a.close()
    expect(errorCode(await rejected(attempt(2, {})))).toBe('IMH_ERR_CONNECT_FAILED')
    const insecure = await attempt(3, {rejectUnauthorized: false})
    await insecure.close()
  })
})
