import {type Socket, createSocket} from 'node:dgram'
import {afterEach, describe, expect, it} from 'vitest'
import {type DecodedRelayDatagram, decodeRelay} from '../protocol/index.js'
import {RelayPeer} from './relay-client.js'

const token = 'ffeeddccbbaa99887766554433221100'
const sockets: Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

function peer(role: 'caller' | 'callee' = 'caller'): RelayPeer {
  const socket = createSocket('udp4')
  sockets.push(socket)
  return new RelayPeer({socket, relay: 'udp://127.0.0.1:9', token, role})
}

function from(role: 'caller' | 'callee', seq: number, sendTime: number, extra: Partial<DecodedRelayDatagram> = {}): DecodedRelayDatagram {
  return {role, token, seq, sendTime, echo: false, payload: Buffer.alloc(0), ...extra}
}

describe('RelayPeer accounting', () => {
  it('counts in-order arrivals; constant transit gives zero jitter and exact latency', () => {
    const p = peer('caller')
    for (let i = 0; i < 10; i++) p.account(from('callee', i, 1000 + 20 * i), 1005 + 20 * i)
    const r = p.report()
    expect(r).toMatchObject({received: 10, expected: 10, lost: 0, duplicates: 0, reordered: 0, highestSeq: 9, jitterMs: 0, echoes: 0, ignored: 0})
    expect(r.latency.count).toBe(10)
    expect(r.latency.p50).toBeCloseTo(5, 2)
  })

  it('RFC 3550 jitter: J += (|D| − J) / 16 over consecutive transits', () => {
    const p = peer('callee')
    // transits 10, 14, 10, 14: |D| = 4 each time.
    const transits = [10, 14, 10, 14]
    let j = 0
    transits.forEach((t, i) => {
      p.account(from('caller', i, 20 * i), 20 * i + t)
      if (i > 0) j += (4 - j) / 16
    })
    expect(p.report().jitterMs).toBeCloseTo(j, 10)
    expect(j).toBeCloseTo(4 * (1 - (15 / 16) ** 3), 10)
  })

  it('loss from the seq range, or from the peer\'s sent count; duplicates and reordering', () => {
    const p = peer('caller')
    for (const seq of [0, 1, 3, 2, 2, 6, 5]) p.account(from('callee', seq, 0), 1)
    const r = p.report()
    // Distinct 0,1,2,3,5,6 of range 0..6: seq 4 lost. 2 came after 3, 5 after 6: reordered. One duplicate 2.
    expect(r).toMatchObject({received: 6, expected: 7, lost: 1, duplicates: 1, reordered: 2, highestSeq: 6})
    // The peer says it sent 9 (7 and 8 lost at the tail, invisible to the range).
    expect(p.report(9)).toMatchObject({expected: 9, lost: 3})
  })

  it('accounting stays exact under adversarial orders (descending, evens then odds)', () => {
    const down = peer('caller')
    for (let seq = 999; seq >= 0; seq--) down.account(from('callee', seq, 0), 1)
    expect(down.report()).toMatchObject({received: 1000, expected: 1000, lost: 0, duplicates: 0, reordered: 999, highestSeq: 999})
    const split = peer('caller')
    for (let seq = 0; seq < 1000; seq += 2) split.account(from('callee', seq, 0), 1)
    expect(split.report()).toMatchObject({received: 500, expected: 999, lost: 499, reordered: 0})
    for (let seq = 1; seq < 1000; seq += 2) split.account(from('callee', seq, 0), 1)
    split.account(from('callee', 500, 0), 1)
    expect(split.report()).toMatchObject({received: 1000, expected: 1000, lost: 0, duplicates: 1, reordered: 499})
  })

  it('echo replies give rtt; other tokens and own non-echo datagrams are ignored', () => {
    const p = peer('caller')
    p.account(from('caller', 0, 100, {echo: true}), 103)
    p.account(from('caller', 1, 100, {echo: false}), 103)
    p.account(from('callee', 0, 100, {token: '0'.repeat(32)}), 103)
    const r = p.report()
    expect(r).toMatchObject({echoes: 1, received: 0, ignored: 2})
    expect(r.rtt.max).toBeCloseTo(3, 2)
  })

  it('burst sends a bounded count at the pace asked, continuing the seqs', async () => {
    const relay = createSocket('udp4')
    sockets.push(relay)
    await new Promise<void>((r) => relay.bind(0, '127.0.0.1', () => r()))
    const got: number[] = []
    relay.on('message', (m) => got.push(decodeRelay(m).seq))
    const socket = createSocket('udp4')
    sockets.push(socket)
    const p = new RelayPeer({socket, relay: {host: '127.0.0.1', port: relay.address().port}, token, role: 'caller'})
    p.send(4, Buffer.from('x'))
    const t0 = performance.now()
    expect(await p.burst({pps: 100, size: 10, durationMs: 100})).toBe(10)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(85)
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    expect(p.report().sent).toBe(11)
    await expect(p.burst({pps: 0, durationMs: 10})).rejects.toThrow(/pps/)
    await expect(p.burst({durationMs: 0})).rejects.toThrow(/durationMs/)
    p.close()
  })
})
