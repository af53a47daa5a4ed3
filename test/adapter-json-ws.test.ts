import {readFileSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'
import type {AdapterSession, ConnectRequest} from '../src/load/adapters/adapter.js'
import {parseAdapterOptions} from '../src/load/adapters/adapter-options.js'
import {jsonWsAdapter} from '../src/load/adapters/json-ws.js'
import type {JsonWsSession} from '../src/load/adapters/json-ws-session.js'
import {errorCode} from '../src/load/scenarios/context.js'
import {adapterContractSuite, recorder, requestFor, type AdapterTarget, type Recorded} from './support/adapter-suite.js'
import {freePort} from './support/free-port.js'
import {CHAT_OPTIONS, MINIMAL_CHAT_OPTIONS, startJsonChatServer, type JsonChatServer} from './support/json-chat-server.js'
import {until} from './support/until.js'
import {selfSignedCert} from './tls-cert.js'

async function target(options: Record<string, unknown>): Promise<AdapterTarget> {
  const server = await startJsonChatServer()
  return {target: server.url, options, unreachable: `ws://127.0.0.1:${await freePort()}/chat`, close: () => server.close()}
}

adapterContractSuite(jsonWsAdapter, () => target(CHAT_OPTIONS))
describe('with only login, send and incoming (no acks, WebSocket pings)', () => {
  adapterContractSuite(jsonWsAdapter, () => target(MINIMAL_CHAT_OPTIONS))
})

const parse = (raw: Record<string, unknown>): any => parseAdapterOptions(jsonWsAdapter, raw, 'chat.yaml')

describe('json-ws options are checked when the profile is read, naming the field', () => {
  it.each([
    [{send: {type: 'msg', to: '{too}', body: '{body}'}}, /options\.adapterOptions\.send\.to: unknown placeholder \{too\}.*allowed: \{to\}, \{body\}, \{id\}, \{address\}/],
    [{incoming: {match: {'$.type': 'msg'}, body: 'body'}}, /options\.adapterOptions\.incoming\.body: a JSONPath starts with \$/],
    [{incoming: {match: {'$.type': {a: 1}}, body: '$.body'}}, /options\.adapterOptions\.incoming\.match\["\$\.type"\]: expected a string, number/],
    [{incoming: {body: '$.body'}}, /options\.adapterOptions\.incoming\.match: required/],
    [{ack: {match: {'$.type': 'ack'}}}, /options\.adapterOptions\.ack\.id: required/],
    [{ack: {match: {'$.type': 'ack'}, id: '$.id', ids: '$.x'}}, /options\.adapterOptions\.ack\.ids: unknown field/],
    [{address: '{user}'}, /options\.adapterOptions\.address: unknown placeholder \{user\}/],
    [{login: 'login'}, /options\.adapterOptions\.login: expected a JSON frame/],
    [{delivery: 'once'}, /options\.adapterOptions\.delivery: "once" is not allowed/],
  ])('%j', (over, message) => {
    expect(() => parse({...CHAT_OPTIONS, ...over})).toThrow(message)
    try {
      parse({...CHAT_OPTIONS, ...over})
    } catch (err) {
      expect(errorCode(err)).toBe('IMH_ERR_PROFILE_INVALID')
    }
  })

  it.each([
    [{send: undefined}, /options\.adapterOptions\.send: required/],
    [{incoming: undefined}, /options\.adapterOptions\.incoming: required/],
    [{send: {type: 'msg', to: '{to}', body: '{body}'}}, /options\.adapterOptions\.ack: .*must carry \{id\}/],
    [{pong: undefined}, /options\.adapterOptions\.ping: a ping frame needs pong/],
  ])('missing or mismatched: %j', (over, message) => {
    const o = parse({...CHAT_OPTIONS, ...over})
    expect(() => jsonWsAdapter.guarantees(o)).toThrow(message)
  })

  it('docs/adapters/json-ws.md: its profile is this server\'s protocol, and its table lists every option', () => {
    const doc = readFileSync(new URL('../docs/adapters/json-ws.md', import.meta.url), 'utf8')
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!
    const raw = parseYaml(yaml).options.adapterOptions
    expect(raw).toEqual({address: '{username}', ...CHAT_OPTIONS, delivery: 'at-most-once', ordered: true})
    jsonWsAdapter.guarantees(parse(raw))
    for (const o of Object.values(jsonWsAdapter.options)) expect(doc).toContain(`| \`${o.field}\` |`)
  })

  it('declares acknowledged from ack, and what the user says of delivery and order', () => {
    expect(jsonWsAdapter.guarantees(parse(CHAT_OPTIONS))).toEqual({acknowledged: true, delivery: 'at-most-once', ordered: true})
    expect(jsonWsAdapter.guarantees(parse({...MINIMAL_CHAT_OPTIONS, delivery: 'at-least-once', ordered: false}))).toEqual({acknowledged: false, delivery: 'at-least-once', ordered: false})
  })
})

describe('json-ws against a misbehaving chat server', () => {
  let server: JsonChatServer
  const open: AdapterSession[] = []
  let n = 100
  beforeAll(async () => {
    server = await startJsonChatServer()
  })
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()))
    await server.close()
  })
  const t = (): AdapterTarget => ({target: server.url, unreachable: '', close: async () => {}})
  const connect = async (over: Partial<ConnectRequest> = {}, raw: Record<string, unknown> = CHAT_OPTIONS): Promise<[JsonWsSession, Recorded]> => {
    const e = recorder()
    const s = await jsonWsAdapter.connect(requestFor(t(), n++, parse(raw), e, over)) as JsonWsSession
    open.push(s)
    return [s, e]
  }
  const knobsOff = (): void => void Object.assign(server.knobs, {dropAcks: false, duplicate: false, reorder: false, dropPongs: false})

  it('resolves send on the ack; a dropped ack times out with IMH_ERR_TIMEOUT; an error frame naming the id fails that send', async () => {
    const [a] = await connect({requestTimeoutMs: 300})
    const [b, eb] = await connect()
    await a.send(b.address, 'acked', 'ack.1')
    server.knobs.dropAcks = true
    const started = Date.now()
    const err = await a.send(b.address, 'not acked', 'ack.2').catch((e: unknown) => e)
    knobsOff()
    expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(2000)
    await eb.waitFor(2)
    expect(eb.bodies).toEqual(['acked', 'not acked'])
    const refused = await a.send('', 'to nobody', 'ack.3').catch((e: unknown) => e)
    expect(errorCode(refused)).toBe('IMH_ERR_SERVER_ERROR')
    expect(String(refused)).toContain('no such user')
  })

  it('passes duplicates and reordered deliveries to events.message as they came (the harness counts them)', async () => {
    const [a] = await connect()
    const [b, eb] = await connect()
    server.knobs.duplicate = true
    await a.send(b.address, 'dup', 'dup.1')
    await eb.waitFor(2)
    server.knobs.duplicate = false
    server.knobs.reorder = true
    for (const [i, body] of ['one', 'two', 'three', 'four'].entries()) await a.send(b.address, body, `re.${i}`)
    await eb.waitFor(6)
    knobsOff()
    expect(eb.bodies).toEqual(['dup', 'dup', 'two', 'one', 'four', 'three'])
  })

  it('delivers a body with quotes, backslashes and braces exactly as sent (structural templates)', async () => {
    const [a] = await connect()
    const [b, eb] = await connect()
    const body = 'imh2|"q"|\\|{to}|{"a":1}|\u00e9'
    await a.send(b.address, body, 'esc.1')
    await eb.waitFor(1)
    expect(eb.bodies).toEqual([body])
  })

  it('times heartbeats by its ping and pong frames, on demand and on its own; an unanswered one times out', async () => {
    const [a, ea] = await connect({heartbeat: 100, requestTimeoutMs: 300})
    await a.heartbeat!()
    await until(() => ea.heartbeats.length >= 2, 3000)
    expect(ea.heartbeats.every((ms) => ms >= 0 && ms < 300)).toBe(true)
    server.knobs.dropPongs = true
    const err = await a.heartbeat!().catch((e: unknown) => e)
    knobsOff()
    expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
  })

  it('ignores frames it was not told about (presence chatter), counting them', async () => {
    const [a] = await connect()
    await connect()
    await until(() => a.ignoredFrames > 0, 3000)
  })

  it('reports a server close once with IMH_ERR_CONNECTION_CLOSED, and then refuses to send', async () => {
    const [a, ea] = await connect()
    server.dropAll()
    await until(() => ea.closedWith.length > 0, 3000)
    await new Promise((r) => setTimeout(r, 100))
    expect(ea.closedWith.map(errorCode)).toEqual(['IMH_ERR_CONNECTION_CLOSED'])
    expect(errorCode(await a.send(a.address, 'x', 'closed.1').catch((e: unknown) => e))).toBe('IMH_ERR_CONNECTION_CLOSED')
    await a.close()
    expect(ea.closedWith).toHaveLength(1)
  })

  it('with reconnect: wins the connection back, logs in again and reports reconnected, not closed', async () => {
    const [a, ea] = await connect({reconnect: {attempts: 5, baseMs: 20, capMs: 100}})
    const [b, eb] = await connect({reconnect: {attempts: 5, baseMs: 20, capMs: 100}})
    expect(server.logins.get(a.address)).toBe(1)
    server.dropAll()
    await until(() => ea.reconnects === 1 && eb.reconnects === 1, 3000)
    expect(server.logins.get(a.address)).toBe(2)
    await a.send(b.address, 'after reconnect', 'rc.1')
    await eb.waitFor(1)
    expect([...ea.closedWith, ...eb.closedWith]).toEqual([])
  })

  it('with reconnect: gives up after its attempts against a server gone for good, reporting closed once', async () => {
    const gone = await startJsonChatServer()
    const e = recorder()
    const s = await jsonWsAdapter.connect(requestFor({...t(), target: gone.url}, 1, parse(CHAT_OPTIONS), e, {reconnect: {attempts: 2, baseMs: 10, capMs: 20}}))
    open.push(s)
    await gone.close()
    await until(() => e.closedWith.length > 0, 3000)
    await new Promise((r) => setTimeout(r, 100))
    expect(e.closedWith.map(errorCode)).toEqual(['IMH_ERR_CONNECTION_CLOSED'])
    expect(String(e.closedWith[0])).toContain('2 reconnects failed')
    expect(e.reconnects).toBe(0)
  })

  it('times out with IMH_ERR_TIMEOUT when the server never answers the upgrade, or never the login', async () => {
    const sockets: Socket[] = []
    const mute = createServer((s) => void sockets.push(s))
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', () => resolve()))
    try {
      const url = `ws://127.0.0.1:${(mute.address() as {port: number}).port}/`
      const err = await jsonWsAdapter.connect(requestFor({...t(), target: url}, 1, parse(CHAT_OPTIONS), recorder(), {requestTimeoutMs: 300})).catch((e: unknown) => e)
      expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
    } finally {
      for (const s of sockets) s.destroy()
      mute.close()
    }
    const never = parse({...CHAT_OPTIONS, loginReply: {match: {'$.type': 'never'}}})
    const err = await jsonWsAdapter.connect(requestFor(t(), 1, never, recorder(), {requestTimeoutMs: 300})).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
    expect(String(err)).toContain('no login reply within 300 ms')
  })

  it('refuses a login the server answers with an error frame: IMH_ERR_BAD_CREDENTIALS', async () => {
    server.knobs.refuse.add('refused-user')
    const err = await jsonWsAdapter.connect(requestFor(t(), 1, parse({...CHAT_OPTIONS, address: 'refused-user'}), recorder())).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('IMH_ERR_BAD_CREDENTIALS')
    expect(String(err)).toContain('bad credentials')
  })
})

describe('json-ws over wss', () => {
  const cert = selfSignedCert()
  it.runIf(cert)('connects with the CA it is given, and refuses an unknown certificate with IMH_ERR_CONNECT_FAILED', async () => {
    const server = await startJsonChatServer(cert!)
    try {
      const t: AdapterTarget = {target: server.url, unreachable: '', close: async () => {}}
      const e = recorder()
      const s = await jsonWsAdapter.connect(requestFor(t, 0, parse(CHAT_OPTIONS), e, {tls: {ca: cert!.cert.toString()}}))
      await s.send(s.address, 'over tls', 'tls.1')
      await e.waitFor(1)
      await s.close()
      const err = await jsonWsAdapter.connect(requestFor(t, 1, parse(CHAT_OPTIONS), recorder())).catch((x: unknown) => x)
      expect(errorCode(err)).toBe('IMH_ERR_CONNECT_FAILED')
    } finally {
      await server.close()
    }
  })
})
