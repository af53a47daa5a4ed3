import type {Socket} from 'node:dgram'
import {afterEach, describe, expect, it} from 'vitest'
import {RelayPeer, TalkClient, VirtualClient, probeStun} from '../src/client/index.js'
import {encodeRelay, type TalkInviteReply} from '../src/protocol/index.js'
import {type ReferenceServer, type ServerLimits, startReferenceServer} from '../reference-server/index.js'
import {udp} from './support/udp.js'

const servers: ReferenceServer[] = []
const clients: VirtualClient[] = []
const peers: RelayPeer[] = []
let n = 0

afterEach(async () => {
  for (const p of peers.splice(0)) p.close()
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(limits: Partial<ServerLimits> = {}): Promise<ReferenceServer> {
  const s = await startReferenceServer({port: 0, limits})
  servers.push(s)
  return s
}

async function user(s: ReferenceServer, name: string) {
  const client = new VirtualClient({resolve: {scheduler: s.urls.scheduler}, credentials: {username: `${name}${n++}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(client)
  await client.start()
  return {client, talk: TalkClient.of(client), id: client.userId!}
}

/** Probes STUN from `socket` (PROTOCOL.md §11.1) and opens the relay on the picked path. */
async function party(socket: Socket, reply: {relays: string[]; relayToken: string; role: 'caller' | 'callee'}): Promise<RelayPeer> {
  const probe = await probeStun({servers: reply.relays, socket, rtoMs: 100, maxSends: 3, finalWaitFactor: 2})
  const path = probe.pickPath()
  expect(path?.mapped?.address).toBe(socket.address().address)
  const peer = new RelayPeer({socket, relay: path!.server, token: reply.relayToken, role: reply.role})
  peers.push(peer)
  return peer
}

/** A call set up on the long link (invite → ring → join), each party on its own loopback address. */
async function call(s: ReferenceServer, callerHost: string, calleeHost: string) {
  const alice = await user(s, 'alice')
  const bob = await user(s, 'bob')
  const invite: TalkInviteReply = await alice.talk.invite(bob.id)
  await bob.talk.waitRing((r) => r.callId === invite.callId)
  const join = await bob.talk.join(invite.callId)
  await alice.talk.waitJoined(invite.callId)
  const aSock = await udp('udp4', callerHost)
  const bSock = await udp('udp4', calleeHost)
  const a = await party(aSock, invite)
  const b = await party(bSock, join)
  return {alice, bob, invite, a, b, aSock, bSock}
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Both roles learned: the caller's first datagram finds no peer yet, then one each way. */
async function connect(s: ReferenceServer, a: RelayPeer, b: RelayPeer): Promise<void> {
  const noPeer = s.flows.talk.relay.stats.noPeer
  a.send(0)
  await until(() => s.flows.talk.relay.stats.noPeer === noPeer + 1, 'noPeer')
  b.send(0)
  await a.waitReceived(1)
  a.send(1)
  await b.waitReceived(1)
}

const settle = () => new Promise((r) => setTimeout(r, 100))

describe('UDP relay (PROTOCOL.md §11.3)', () => {
  it('forwards press-to-talk bursts both ways between the parties of a call, with latency, loss and jitter', async () => {
    const s = await server()
    const {a, b} = await call(s, '127.0.0.2', '127.0.0.3')
    // Each role must be learned before the other's datagrams have somewhere to go.
    a.send(0)
    await until(() => s.flows.talk.relay.stats.noPeer === 1, 'noPeer')
    b.send(0)
    await a.waitReceived(1)
    const [sentA, sentB] = await Promise.all([a.burst({pps: 50, size: 160, durationMs: 400}), b.burst({pps: 50, size: 160, durationMs: 400})])
    expect(sentA).toBe(20)
    await Promise.all([b.waitReceived(sentA), a.waitReceived(sentB + 1)])
    const ra = a.report(b.report().sent)
    const rb = b.report()
    expect(ra).toMatchObject({sent: 21, received: 21, lost: 0, duplicates: 0, reordered: 0})
    expect(rb).toMatchObject({sent: 21, received: 20, expected: 20, lost: 0, duplicates: 0})
    for (const r of [ra, rb]) {
      expect(r.latency.count).toBe(r.received)
      expect(r.latency.min).toBeGreaterThan(0)
      expect(r.latency.max).toBeLessThan(200)
      expect(Number.isFinite(r.jitterMs)).toBe(true)
      expect(r.jitterMs).toBeGreaterThanOrEqual(0)
    }
    expect(s.flows.talk.relay.stats).toMatchObject({forwarded: 41, noPeer: 1, hijack: 0, unknownToken: 0, malformed: 0, rateLimited: 0})
    expect(s.flows.talk.relay.sessions).toBe(1)
  })

  it('drops a third address using the token (hijack), random tokens, other calls\' tokens, and a dead token after hang-up', async () => {
    const s = await server()
    const {alice, invite, a, b} = await call(s, '127.0.0.2', '127.0.0.3')
    await connect(s, a, b)

    // A stranger on 127.0.0.4 with the right token, as either role.
    const mallory = await udp('udp4', '127.0.0.4')
    const got: Buffer[] = []
    mallory.on('message', (m) => got.push(m))
    for (const role of ['caller', 'callee'] as const) {
      mallory.send(encodeRelay({role, token: invite.relayToken, seq: 999, sendTime: 0}), b.relay.port, b.relay.host)
      mallory.send(encodeRelay({role, token: invite.relayToken, seq: 998, sendTime: 0, echo: true}), b.relay.port, b.relay.host)
    }
    await until(() => s.flows.talk.relay.stats.hijack === 4, 'hijack')
    // A random token.
    mallory.send(encodeRelay({role: 'caller', token: 'ab'.repeat(16), seq: 1, sendTime: 0}), b.relay.port, b.relay.host)
    await until(() => s.flows.talk.relay.stats.unknownToken === 1, 'unknownToken')

    // Another call: its parties reach each other with their own token, never alice and bob.
    const other = await call(s, '127.0.0.5', '127.0.0.6')
    await connect(s, other.a, other.b)
    await other.a.burst({pps: 200, size: 10, durationMs: 50})
    await other.b.waitReceived(11)
    await settle()
    expect(got).toEqual([])
    expect(a.report()).toMatchObject({received: 1, ignored: 0})
    expect(b.report()).toMatchObject({received: 1, ignored: 0})
    expect(s.flows.talk.relay.sessions).toBe(2)

    // Hang-up: the token is dead and its session gone.
    await alice.talk.hangup(invite.callId)
    expect(s.flows.talk.relay.sessions).toBe(1)
    const before = s.flows.talk.relay.stats.unknownToken
    a.send(2)
    await until(() => s.flows.talk.relay.stats.unknownToken === before + 1, 'unknownToken after hang-up')
    await settle()
    expect(b.report().received).toBe(1)
    expect(s.flows.talk.relay.stats.hijack).toBe(4)
  })

  it('echoes to the sender only, counts malformed datagrams, and rate-limits each role', async () => {
    const t0 = Date.now()
    const s = await server({relayRatePps: 1, relayBurst: 10})
    const {a, b, aSock} = await call(s, '127.0.0.2', '127.0.0.3')
    b.send(0)
    for (let i = 0; i < 3; i++) a.send(i, Buffer.alloc(8), {echo: true})
    await a.waitEchoes(3)
    const ra = a.report()
    expect(ra.rtt.count).toBe(3)
    expect(ra.rtt.min).toBeGreaterThan(0)
    expect(ra.rtt.max).toBeLessThan(200)
    expect(s.flows.talk.relay.stats.echoed).toBe(3)
    await settle()
    expect(b.report().received).toBe(0)

    // Malformed: a relay first byte but a short datagram, a wrong version; STUN is not touched.
    const stunDropped = s.flows.talk.stun.stats.dropped
    aSock.send(Buffer.from('IMHR'), a.relay.port, a.relay.host)
    const bad = encodeRelay({role: 'caller', token: a.token, seq: 5, sendTime: 0})
    bad[4] = 9
    aSock.send(bad, a.relay.port, a.relay.host)
    await until(() => s.flows.talk.relay.stats.malformed === 2, 'malformed')
    expect(s.flows.talk.stun.stats.dropped).toBe(stunDropped)

    // Bucket of 10, refilling at 1/s: b used 1, a used 3; a sends 20 more back to back.
    for (let i = 10; i < 30; i++) a.send(i)
    await until(() => s.flows.talk.relay.stats.rateLimited + s.flows.talk.relay.stats.forwarded >= 20, 'rate limit')
    expect(s.flows.talk.relay.stats.forwarded).toBeGreaterThanOrEqual(7)
    // The bucket refills 1 per second: a slow machine may earn a few more since the start.
    expect(s.flows.talk.relay.stats.forwarded).toBeLessThanOrEqual(7 + Math.ceil((Date.now() - t0) / 1000))
    expect(s.flows.talk.relay.stats.rateLimited).toBe(20 - s.flows.talk.relay.stats.forwarded)
    await b.waitReceived(s.flows.talk.relay.stats.forwarded)
    // The other role has its own bucket.
    b.send(1)
    await a.waitReceived(1)
  })
})
