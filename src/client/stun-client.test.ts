import {track, udp} from '../../test/support/udp.js'
import {describe, expect, it} from 'vitest'
import {startReferenceServer, type ReferenceServer} from '../../reference-server/index.js'
import {answerStun} from '../../reference-server/talk/stun-server.js'
import {isImhError} from '../protocol/index.js'
import {parseStunServer, probeStun} from './stun-client.js'


async function server(host = '127.0.0.1', stunPorts = 3): Promise<ReferenceServer> {
  const s = await startReferenceServer({host, limits: {stunPorts}})
  track(s)
  return s
}

/** A STUN port double: ignores the first `drop` requests it gets, answers the rest like the reference server. */
async function lossyPort(drop: number): Promise<{port: number; received: number}> {
  const s = await udp('udp4', '127.0.0.1')
  const state = {port: s.address().port, received: 0}
  const stats = {answered: 0, rejected: 0, dropped: 0}
  s.on('message', (msg, rinfo) => {
    state.received++
    if (state.received <= drop) return
    const answer = answerStun(msg, rinfo, stats)
    if (answer) s.send(answer, rinfo.port, rinfo.address)
  })
  return state
}

async function ipv6Works(): Promise<boolean> {
  try {
    await udp('udp6', '::1')
    return true
  } catch {
    return false
  }
}

describe('parseStunServer', () => {
  it('reads udp://host:port, IPv6 in brackets, and refuses other forms', () => {
    expect(parseStunServer('udp://127.0.0.1:3478')).toEqual({host: '127.0.0.1', port: 3478})
    expect(parseStunServer('udp://[::1]:3478')).toEqual({host: '::1', port: 3478})
    for (const bad of ['http://127.0.0.1:1', 'udp://127.0.0.1', 'nope']) {
      try {
        parseStunServer(bad)
        expect.unreachable()
      } catch (err) {
        expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
      }
    }
  })
})

describe('probeStun', () => {
  it('asks every relay port from one socket; the mapped address is that socket (IPv4)', async () => {
    const s = await server()
    const socket = await udp('udp4', '127.0.0.2')
    const probe = await probeStun({servers: s.groups.relay, socket, rtoMs: 50})
    const own = socket.address()
    expect(probe.local).toEqual({family: 'IPv4', address: '127.0.0.2', port: own.port})
    expect(probe.results).toHaveLength(3)
    for (const r of probe.results) {
      expect(r.answered).toBe(true)
      expect(r.timedOut).toBe(false)
      expect(r.mapped).toEqual({family: 'IPv4', address: own.address, port: own.port})
      expect(r.rttMs).toBeGreaterThanOrEqual(0)
    }
    expect(s.flows.talk.stun.stats.answered).toBe(3)
    const path = probe.pickPath()!
    expect(path.answerRank).toBe(0)
    expect(s.groups.relay).toContain(`udp://127.0.0.1:${path.server.port}`)
    // The socket given is left open for the voice that follows.
    socket.send(Buffer.from('still open'), 9, '127.0.0.1')
  })

  it('binds its own socket on a chosen local address and closes it afterwards', async () => {
    const s = await server('127.0.0.1', 2)
    const probe = await probeStun({servers: s.groups.relay, localAddress: '127.0.0.3', rtoMs: 50})
    expect(probe.local.address).toBe('127.0.0.3')
    expect(probe.results.map((r) => r.mapped)).toEqual([probe.local, probe.local])
  })

  it('works over IPv6', async (ctx) => {
    if (!(await ipv6Works())) ctx.skip()
    const s = await server('::1', 2)
    expect(s.groups.relay[0]).toMatch(/^udp:\/\/\[::1\]:\d+$/)
    const socket = await udp('udp6', '::1')
    const probe = await probeStun({servers: s.groups.relay, socket, rtoMs: 50})
    for (const r of probe.results) expect(r.mapped).toEqual({family: 'IPv6', address: '::1', port: socket.address().port})
  })

  it('recovers a dropped first request by retransmission; rtt counts from the first send', async () => {
    const lossy = await lossyPort(1)
    const s = await server('127.0.0.1', 1)
    const probe = await probeStun({servers: [{host: '127.0.0.1', port: lossy.port}, s.groups.relay[0]!], localAddress: '127.0.0.1', rtoMs: 40})
    const [viaLossy, direct] = probe.results as [NonNullable<(typeof probe.results)[0]>, NonNullable<(typeof probe.results)[0]>]
    expect(lossy.received).toBe(2)
    expect(viaLossy.answered).toBe(true)
    expect(viaLossy.sends).toBe(2)
    expect(viaLossy.retransmitted).toBe(true)
    expect(viaLossy.rttMs).toBeGreaterThanOrEqual(35)
    expect(viaLossy.mapped).toEqual(probe.local)
    expect(direct.sends).toBe(1)
    expect(direct.retransmitted).toBe(false)
    // The port that answered at once is the path.
    expect(probe.pickPath()).toBe(direct)
  })

  it('gives up on a silent port after Rc sends and Rm × RTO (0, RTO, 3·RTO … then the final wait)', async () => {
    const silent = await udp('udp4', '127.0.0.1')
    let received = 0
    silent.on('message', () => received++)
    const started = Date.now()
    // Sends at 0, 20, 60, 140 ms; gives up at 140 + 4 × 20 = 220 ms.
    const probe = await probeStun({servers: [{host: '127.0.0.1', port: silent.address().port}], localAddress: '127.0.0.1', rtoMs: 20, maxSends: 4, finalWaitFactor: 4})
    const elapsed = Date.now() - started
    const [r] = probe.results
    expect(r).toMatchObject({answered: false, timedOut: true, sends: 4})
    expect(r!.rttMs).toBeUndefined()
    expect(received).toBe(4)
    expect(elapsed).toBeGreaterThanOrEqual(200)
    expect(elapsed).toBeLessThan(1500)
    expect(probe.pickPath()).toBeUndefined()
  })

  it('refuses bad options', async () => {
    await expect(probeStun({servers: []})).rejects.toThrow(/at least one server/)
    await expect(probeStun({servers: ['udp://127.0.0.1:1'], rtoMs: 0})).rejects.toThrow(/rtoMs/)
  })
})
