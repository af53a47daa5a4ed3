import type {Socket} from 'node:dgram'
import {describe, expect, it} from 'vitest'
import {encodeRelay} from '../../src/protocol/index.js'
import {RelayService, type TokenInfo} from './relay.js'

const TOKEN = 'ab'.repeat(16)
const CALLER = {address: '127.0.0.2', port: 1000}
const CALLEE = {address: '127.0.0.3', port: 2000}

/** A socket that records where each datagram went. */
function fakeSocket(): {socket: Socket; sent: Array<{port: number; address: string}>} {
  const sent: Array<{port: number; address: string}> = []
  return {socket: {send: (_d: Buffer, port: number, address: string) => void sent.push({port, address})} as unknown as Socket, sent}
}

const datagram = (role: 'caller' | 'callee', seq: number, token = TOKEN) => encodeRelay({role, token, seq, sendTime: 0})
const settle = () => new Promise((r) => setTimeout(r, 10))

describe('RelayService with a token look-up through a promise (a shared call registry)', () => {
  it('asks once per token, however many datagrams come meanwhile; forgets at the call end; revalidates sessions', async () => {
    const live = new Map<string, TokenInfo>([[TOKEN, {callId: 'c1'}]])
    let asked = 0
    const relay = new RelayService({ratePps: 1000, burst: 50, revalidateMs: 50, tokenInfo: async (token) => (asked++, live.get(token))})
    try {
      const {socket, sent} = fakeSocket()
      for (let i = 0; i < 5; i++) relay.handle(datagram('caller', i), CALLER, socket)
      for (let i = 0; i < 5; i++) relay.handle(datagram('callee', i), CALLEE, socket)
      await settle()
      expect(asked).toBe(1)
      // The caller's five found no peer yet; the callee's five went to the caller.
      expect(relay.stats).toMatchObject({noPeer: 5, forwarded: 5, unknownToken: 0})
      expect(sent.every((s) => s.port === CALLER.port)).toBe(true)
      relay.handle(datagram('caller', 9), CALLER, socket)
      expect(relay.stats.forwarded).toBe(6)
      expect(asked).toBe(1)

      // The call ends: the session goes, the next datagram is asked about and unknown, and an
      // unknown token is not asked about again at once.
      live.delete(TOKEN)
      relay.forget(TOKEN)
      relay.handle(datagram('caller', 10), CALLER, socket)
      await settle()
      relay.handle(datagram('caller', 11), CALLER, socket)
      expect(asked).toBe(2)
      expect(relay.stats.unknownToken).toBe(2)

      // A call that ended without the relay hearing: revalidation drops its session.
      const other = 'cd'.repeat(16)
      live.set(other, {callId: 'c2'})
      relay.handle(datagram('caller', 0, other), CALLER, socket)
      await settle()
      expect(relay.size).toBe(1)
      live.delete(other)
      await expect.poll(() => relay.size).toBe(0)
    } finally {
      relay.close()
    }
  })

  it('lets at most a burst of datagrams wait for one look-up', async () => {
    let answer: (info: TokenInfo) => void = () => {}
    const relay = new RelayService({ratePps: 1000, burst: 3, tokenInfo: () => new Promise<TokenInfo>((resolve) => (answer = resolve))})
    try {
      const {socket} = fakeSocket()
      for (let i = 0; i < 5; i++) relay.handle(datagram('caller', i), CALLER, socket)
      answer({callId: 'c1'})
      await settle()
      expect(relay.stats).toMatchObject({rateLimited: 2, noPeer: 3})
    } finally {
      relay.close()
    }
  })
})
