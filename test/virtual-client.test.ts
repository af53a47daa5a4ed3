import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {WebSocketServer} from 'ws'
import {ResolverCache, VirtualClient} from '../src/client/index.js'
import {CMD, decodeFrame, encodeFrame} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {selfSignedCert} from './tls-cert.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function reference(): Promise<ReferenceServer> {
  const s = await startReferenceServer()
  closers.push(() => s.close())
  return s
}

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)))
}

describe('VirtualClient connection policy (PROTOCOL.md §2.4, §3.2)', () => {
  it('tries the next long-link address when one refuses the connection', async () => {
    const s = await reference()
    const groups = {...s.groups, long: ['ws://127.0.0.1:1/long', ...s.groups.long]}
    const c = new VirtualClient({resolved: {groups, sources: {}, errors: []}, credentials: {username: 'next', password: 'pw'}, register: true, heartbeat: false})
    closers.push(() => c.close())
    await c.start()
    expect(c.auth?.userId).toBe(c.userId)
  })

  it('on 1102 (wrong node) asks the scheduler again, bypassing its cache, and connects where it is sent', async () => {
    const s = await reference()
    // A long-link node that serves nobody: every AUTH is answered 1102.
    const wrong = createServer()
    const wss = new WebSocketServer({server: wrong})
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const f = decodeFrame(data as Buffer)
      ws.send(encodeFrame(CMD.ERROR, f.seq, {ret: 1102, code: 'IMH_ERR_WRONG_NODE', errMsg: 'not here'}))
      ws.close(4102)
    }))
    const wrongPort = await listen(wrong)
    // A scheduler that first hands out the wrong node, then the right one.
    let hits = 0
    const scheduler = createServer((_req, res) => {
      hits++
      const long = hits === 1 ? [`ws://127.0.0.1:${wrongPort}/long`] : s.groups.long
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify({ret: 0, ttl: 300, clientIp: '127.0.0.1', groups: {...s.groups, long}, fallback: {}}))
    })
    const schedPort = await listen(scheduler)
    closers.push(() => new Promise((r) => wrong.close(r)), () => wss.close(), () => new Promise((r) => scheduler.close(r)))
    const c = new VirtualClient({resolve: {scheduler: `http://127.0.0.1:${schedPort}/dns`, cache: new ResolverCache()}, credentials: {username: 'moved', password: 'pw'}, register: true, heartbeat: false})
    closers.push(() => c.close())
    await c.start()
    expect(hits).toBe(2)
    expect(c.auth?.userId).toBe(c.userId)
    expect(c.link?.ws.url).toBe(s.groups.long[0])
  })

  it('sends heartbeats at the interval it is given and reports their round trip', async () => {
    const s = await reference()
    const c = new VirtualClient({resolve: {scheduler: s.urls.scheduler}, credentials: {username: 'hb', password: 'pw'}, register: true, heartbeat: 20})
    closers.push(() => c.close())
    const rtts: number[] = []
    c.on('heartbeat', (rtt) => rtts.push(rtt))
    await c.start()
    const deadline = Date.now() + 5000
    while (rtts.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    // The loop ran by itself, three times, each a real round trip answered by the server.
    expect(rtts.length).toBeGreaterThanOrEqual(3)
    expect(c.link!.pendingRequests).toBeLessThanOrEqual(1)
  })

  it('reports a kick by a newer login as a server-error push and a 4101 close', async () => {
    const s = await reference()
    const mk = () => new VirtualClient({resolve: {scheduler: s.urls.scheduler}, credentials: {username: 'twice', password: 'pw'}, register: true, heartbeat: false})
    const first = await mk().start()
    const errors: string[] = []
    first.on('server-error', (e) => errors.push(e.code))
    const closed = new Promise<number>((r) => first.on('close', (info) => r(info.code)))
    const second = await mk().start()
    closers.push(() => first.close(), () => second.close())
    expect(await closed).toBe(4101)
    expect(errors).toEqual(['IMH_ERR_KICKED'])
    await second.heartbeat()
  })
})

describe('VirtualClient transport (PROTOCOL.md §2.2, §4)', () => {
  it('takes the long group in its order by default (ws first), and only its tcp:// addresses when asked', async () => {
    const s = await reference()
    expect(s.groups.long.some((u) => u.startsWith('tcp://'))).toBe(true)
    const byDefault = new VirtualClient({resolve: {scheduler: s.urls.scheduler}, credentials: {username: 'tr-default', password: 'pw'}, register: true, heartbeat: false})
    closers.push(() => byDefault.close())
    await byDefault.start()
    expect(byDefault.link?.transportKind).toBe('ws')
    const overTcp = new VirtualClient({resolve: {scheduler: s.urls.scheduler}, credentials: {username: 'tr-tcp', password: 'pw'}, register: true, heartbeat: 20, transport: 'tcp'})
    closers.push(() => overTcp.close())
    const rtts: number[] = []
    overTcp.on('heartbeat', (rtt) => rtts.push(rtt))
    await overTcp.start()
    expect(overTcp.link?.transportKind).toBe('tcp')
    expect(overTcp.link?.url).toMatch(/^tcp:\/\//)
    // Heartbeats are NOOP frames, the same on a stream; a message goes from one transport to the other.
    const got = new Promise((r) => byDefault.once('message', r))
    await overTcp.sendText(byDefault.userId!, 'over tcp', 'tr-1')
    expect(await got).toMatchObject({content: 'over tcp'})
    const deadline = Date.now() + 5000
    while (rtts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(rtts.length).toBeGreaterThanOrEqual(2)
  })

  const cert = selfSignedCert()
  it.skipIf(!cert)('speaks TLS to a tls:// address, trusting the CA it is given', async () => {
    const s = await startReferenceServer({flows: ['core'], tls: cert})
    closers.push(() => s.close())
    // The scheduler itself is https: the short link and the scheduler answer trust the CA too.
    const groups = {...s.groups, long: s.groups.long.filter((u) => u.startsWith('tls://'))}
    expect(groups.long).toHaveLength(1)
    const c = new VirtualClient({resolved: {groups, sources: {}, errors: []}, credentials: {username: 'tr-tls', password: 'pw'}, register: true, heartbeat: false, transport: 'tcp', ca: cert!.cert,
      dispatcher: new (await import('undici')).Agent({connect: {ca: cert!.cert}})})
    closers.push(() => c.close())
    await c.start()
    expect(c.link?.url).toMatch(/^tls:\/\//)
    expect(await c.heartbeat()).toBeGreaterThan(0)
  })

  it('fails with IMH_ERR_NO_TRANSPORT when the group lists no address of the transport asked for', async () => {
    const s = await reference()
    const groups = {...s.groups, long: s.groups.long.filter((u) => u.startsWith('ws'))}
    const c = new VirtualClient({resolved: {groups, sources: {}, errors: []}, credentials: {username: 'tr-none', password: 'pw'}, register: true, heartbeat: false, transport: 'tcp'})
    closers.push(() => c.close())
    await expect(c.start()).rejects.toMatchObject({code: 'IMH_ERR_NO_TRANSPORT'})
  })
})
