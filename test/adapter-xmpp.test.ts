import {connect as connectTo, createServer, type Server, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {errorCode} from '../src/load/scenarios/context.js'
import type {AdapterSession, ConnectRequest} from '../src/load/adapters/adapter.js'
import {parseAdapterOptions} from '../src/load/adapters/adapter-options.js'
import {xmppAdapter} from '../src/load/adapters/xmpp.js'
import {DEFAULT_PING_MS} from '../src/load/adapters/xmpp-session.js'
import {adapterContractSuite, type AdapterTarget, recorder, type Recorded, requestFor} from './support/adapter-suite.js'
import {freePort} from './support/free-port.js'
import {prosodyTests, startProsody, type TestProsody, warnIfNoProsody} from './support/prosody.js'
import {until} from './support/until.js'

warnIfNoProsody('the xmpp adapter tests')
const PASSWORD = 'imh-xmpp-pw'

/** Prosody with accounts `${prefix}0..n-1` made by `prosodyctl register`, as the issue asks. */
async function prosodyWith(prefix: string, n: number): Promise<[TestProsody, AdapterTarget]> {
  const p = await startProsody()
  for (let i = 0; i < n; i++) await p.register(`${prefix}${i}`, PASSWORD)
  return [p, {
    target: p.target,
    options: {domain: p.domain, username: `${prefix}{index}`},
    username: (i) => `${prefix}${i}`,
    password: PASSWORD,
    unreachable: `xmpp://127.0.0.1:${await freePort()}`,
    close: () => p.stop(),
  }]
}

describe.runIf(prosodyTests)('xmpp adapter against Prosody', () => {
  adapterContractSuite(xmppAdapter, async () => (await prosodyWith('suite', 8))[1])

  describe('XMPP behaviours', () => {
    let p: TestProsody
    let t: AdapterTarget
    const open: AdapterSession[] = []
    beforeAll(async () => {
      ;[p, t] = await prosodyWith('u', 12)
    }, 60_000)
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()))
      await p?.stop()
    })
    const connect = async (index: number, options: Record<string, unknown> = {}, over: Partial<Omit<ConnectRequest, 'options'>> = {}): Promise<[AdapterSession, Recorded]> => {
      const events = recorder()
      const s = await xmppAdapter.connect(requestFor(t, index, parseAdapterOptions(xmppAdapter, {...t.options, ...options}, 'test'), events, over))
      open.push(s)
      return [s, events]
    }
    const settled = (promise: Promise<unknown>): {done: boolean} => {
      const state = {done: false}
      void promise.then(() => void (state.done = true))
      return state
    }

    it('addresses a client by its bare JID and reports connect and login (SASL) times', async () => {
      const [a, e] = await connect(0)
      expect(a.address).toBe(`u0@${p.domain}`)
      expect(e.timings.map(([phase]) => phase).sort()).toEqual(['connect', 'login'])
    })

    it('resolves send only when the server acks the stanza (XEP-0198); without it, once written', async () => {
      const [a] = await connect(1)
      const [b, eb] = await connect(2)
      const [c] = await connect(3, {streamManagement: false})
      expect(xmppAdapter.guarantees(parseAdapterOptions(xmppAdapter, {}, 'test'))).toEqual({acknowledged: true, delivery: 'at-least-once', ordered: true})
      expect(xmppAdapter.guarantees(parseAdapterOptions(xmppAdapter, {streamManagement: false}, 'test'))).toMatchObject({acknowledged: false, delivery: 'at-most-once'})
      await a.send(b.address, 'before', 'ack.0')
      // A frozen server answers nothing: the acked send waits for its <a/>, the plain one does not.
      p.signal('SIGSTOP')
      let acked: {done: boolean}
      try {
        acked = settled(a.send(b.address, 'while frozen', 'ack.1'))
        await c.send(b.address, 'unacked while frozen', 'ack.2')
        await new Promise((r) => setTimeout(r, 1000))
        expect(acked.done).toBe(false)
      } finally {
        p.signal('SIGCONT')
      }
      await until(() => acked.done, 4000)
      await eb.waitFor(3)
      // Two senders: each one's messages in order, not the two interleaved in any order.
      expect([...eb.bodies].sort()).toEqual(['before', 'unacked while frozen', 'while frozen'])
      expect(eb.bodies.indexOf('before')).toBeLessThan(eb.bodies.indexOf('while frozen'))
    })

    it('delivers a message sent to a logged-out peer when it logs in again (offline storage)', async () => {
      const [a] = await connect(4)
      const [b] = await connect(5)
      const address = b.address
      await b.close()
      const body = 'imh2|4|0|0|5|1.000|1.000|<&"\'> kept'
      await a.send(address, body, 'offline.0')
      const [, eb] = await connect(5)
      await eb.waitFor(1)
      expect(eb.bodies).toEqual([body])
    })

    it('refuses a wrong password with IMH_ERR_BAD_CREDENTIALS', async () => {
      const err = await xmppAdapter.connect(requestFor(t, 6, parseAdapterOptions(xmppAdapter, {...t.options, password: 'wrong'}, 'test'), recorder())).catch((e: unknown) => e)
      expect(errorCode(err)).toBe('IMH_ERR_BAD_CREDENTIALS')
    })

    it('refuses a domain the server does not serve with IMH_ERR_CONNECT_FAILED', async () => {
      const err = await xmppAdapter.connect(requestFor(t, 6, parseAdapterOptions(xmppAdapter, {...t.options, domain: 'elsewhere.example'}, 'test'), recorder())).catch((e: unknown) => e)
      expect(errorCode(err)).toBe('IMH_ERR_CONNECT_FAILED')
    })

    it('times out a server that accepts but never opens the stream with IMH_ERR_TIMEOUT; binds request.localAddress', async () => {
      const from: string[] = []
      const silent: Server = createServer((socket) => void from.push(socket.remoteAddress!))
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      try {
        const started = Date.now()
        const target = `xmpp://127.0.0.1:${(silent.address() as {port: number}).port}`
        const err = await xmppAdapter.connect(requestFor({...t, target}, 6, parseAdapterOptions(xmppAdapter, t.options, 'test'), recorder(), {requestTimeoutMs: 800, localAddress: '127.0.0.2'})).catch((e: unknown) => e)
        expect(errorCode(err)).toBe('IMH_ERR_TIMEOUT')
        expect(from).toEqual(['127.0.0.2'])
        expect(Date.now() - started).toBeLessThan(3000)
      } finally {
        silent.close()
      }
    })

    it('pings the domain (XEP-0199) on demand and on its own, reporting round trips', async () => {
      expect(DEFAULT_PING_MS).toBe(30_000)
      const [a, e] = await connect(7, {}, {heartbeat: 300})
      await a.heartbeat!()
      await until(() => e.heartbeats.length >= 2, 3000)
      for (const ms of e.heartbeats) expect(ms).toBeGreaterThanOrEqual(0)
      expect(Math.max(...e.heartbeats)).toBeLessThan(1000)
      expect(e.errors).toEqual([])
    })

    it('reports a message bounced by the server as an error, not as a message', async () => {
      const [a, e] = await connect(8)
      await a.send(`nobody@${p.domain}`, 'to no one', 'bounce.0')
      await until(() => e.errors.length > 0, 3000)
      expect(errorCode(e.errors[0])).toBe('IMH_ERR_SERVER_ERROR')
      expect(e.bodies).toEqual([])
    })

    it('creates accounts by in-band registration (XEP-0077) with register: true', async () => {
      const fresh = {username: '{username}', register: true}
      const over = (username: string): Partial<ConnectRequest> => ({username})
      const [a] = await connect(0, fresh, over(`ibr-a-${process.pid}`))
      const [b, eb] = await connect(1, fresh, over(`ibr-b-${process.pid}`))
      expect(a.address).toBe(`ibr-a-${process.pid}@${p.domain}`)
      await a.send(b.address, 'registered in band', 'ibr.0')
      await eb.waitFor(1)
      expect(eb.bodies).toEqual(['registered in band'])
      // An account that exists already is used as it is: right password in, wrong one out.
      await b.close()
      await connect(1, fresh, over(`ibr-b-${process.pid}`))
      const err = await connect(1, {...fresh, password: 'other'}, over(`ibr-b-${process.pid}`)).catch((e: unknown) => e)
      expect(errorCode(err)).toBe('IMH_ERR_BAD_CREDENTIALS')
    })

    it('makes many accounts through one prosodyctl shell session', async () => {
      let started = Date.now()
      await p.register('timed', PASSWORD)
      const registerMs = Date.now() - started
      started = Date.now()
      await p.createAccounts(300, (i) => `bulk${i}`, PASSWORD)
      const bulkMs = Date.now() - started
      console.log(`prosodyctl register: ${registerMs} ms for one; shell user:create: ${bulkMs} ms for 300`)
      const [s] = await connect(299, {username: 'bulk{index}'})
      expect(s.address).toBe(`bulk299@${p.domain}`)
    })

    it('resumes the stream (XEP-0198) after a lost connection, keeping its presence', async () => {
      // A proxy whose connections the test cuts: the server sees the TCP close and keeps the session
      // for resumption (smacks_hibernation_time), the client reconnects through the proxy.
      const links = new Set<Socket>()
      const proxy = createServer((down) => {
        const up = connectTo(p.port, '127.0.0.1')
        for (const s of [down, up]) {
          links.add(s)
          s.on('error', () => undefined).on('close', () => links.delete(s))
        }
        down.pipe(up).pipe(down)
      })
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
      try {
        const target = `xmpp://127.0.0.1:${(proxy.address() as {port: number}).port}`
        const ea = recorder()
        const a = await xmppAdapter.connect(requestFor({...t, target}, 11, parseAdapterOptions(xmppAdapter, t.options, 'test'), ea, {reconnect: {attempts: 10, baseMs: 50, capMs: 200}}))
        open.push(a)
        const [b, eb] = await connect(1)
        await a.send(b.address, 'before the cut', 'resume.0')
        for (const s of links) s.destroy()
        await until(() => ea.reconnects > 0, 5000)
        await b.send(a.address, 'after the cut', 'resume.1')
        await a.send(b.address, 'after the cut too', 'resume.2')
        await ea.waitFor(1)
        await eb.waitFor(2)
        expect(ea.bodies).toEqual(['after the cut'])
        expect(eb.bodies.slice(-2)).toEqual(['before the cut', 'after the cut too'])
        // The resumed session is a session like any other: a second loss is won back too.
        for (const s of links) s.destroy()
        await until(() => ea.reconnects > 1, 5000)
        await a.send(b.address, 'after the second cut', 'resume.3')
        await until(() => eb.bodies.includes('after the second cut'), 3000)
        await a.heartbeat!()
        expect(ea.closedWith).toEqual([])
      } finally {
        proxy.close()
        for (const s of links) s.destroy()
      }
    })

    it('after a crash, comes back when the server does with reconnect, else ends once with a coded error', async () => {
      const [kept, ek] = await connect(9, {}, {reconnect: {attempts: 40, baseMs: 100, capMs: 300}})
      const [dies, ed] = await connect(10)
      // Sends the frozen server never acknowledges fail with the connection, whatever comes next.
      p.signal('SIGSTOP')
      const lost = [kept.send(dies.address, 'never acked', 'crash.x').catch((e: unknown) => e), dies.send(kept.address, 'never acked', 'crash.y').catch((e: unknown) => e)]
      await new Promise((r) => setTimeout(r, 200))
      await p.kill()
      await until(() => ed.closedWith.length > 0, 3000)
      await new Promise((r) => setTimeout(r, 500))
      await p.start()
      await until(() => ek.reconnects > 0, 15_000)
      expect(ek.closedWith).toEqual([])
      await kept.send(kept.address, 'after the crash', 'crash.0')
      await ek.waitFor(1)
      expect(ek.bodies).toEqual(['after the crash'])
      expect((await Promise.all(lost)).map(errorCode)).toEqual(['IMH_ERR_CONNECTION_CLOSED', 'IMH_ERR_CONNECTION_CLOSED'])
      expect(ed.closedWith).toHaveLength(1)
      expect(errorCode(ed.closedWith[0])).toBe('IMH_ERR_CONNECTION_CLOSED')
    }, 30_000)
  })
})
