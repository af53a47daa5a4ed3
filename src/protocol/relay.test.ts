import {describe, expect, it} from 'vitest'
import {RELAY_HEADER_BYTES, RELAY_MAX_PAYLOAD_BYTES, decodeRelay, encodeRelay, isImhError, isRelayDatagram, otherRole} from './index.js'

const token = '00112233445566778899aabbccddeeff'

function malformed(b: Buffer): void {
  let err: unknown
  try {
    decodeRelay(b)
  } catch (e) {
    err = e
  }
  expect(isImhError(err, 'IMH_ERR_RELAY_MALFORMED')).toBe(true)
  expect((err as {ret: number; fatal: boolean}).ret).toBe(400)
  expect((err as {fatal: boolean}).fatal).toBe(false)
}

describe('relay datagram codec (PROTOCOL.md §11.3)', () => {
  it('lays out the 36-byte header byte for byte', () => {
    const b = encodeRelay({role: 'callee', token, seq: 0x01020304, sendTime: 1.5, echo: true, payload: Buffer.from('hi')})
    expect(b.length).toBe(RELAY_HEADER_BYTES + 2)
    expect(b.subarray(0, 8).toString('hex')).toBe('494d485201010100')
    expect(b.subarray(8, 24).toString('hex')).toBe(token)
    expect(b.readUInt32BE(24)).toBe(0x01020304)
    expect(b.readDoubleBE(28)).toBe(1.5)
    expect(b.subarray(36).toString()).toBe('hi')
    expect(b[0]! >> 6).toBe(1) // never STUN (00)
  })

  it('round-trips, with defaults for echo and payload', () => {
    const now = performance.timeOrigin + performance.now()
    const d = decodeRelay(encodeRelay({role: 'caller', token, seq: 0xffffffff, sendTime: now}))
    expect(d).toEqual({role: 'caller', token, seq: 0xffffffff, sendTime: now, echo: false, payload: Buffer.alloc(0)})
    const big = Buffer.alloc(RELAY_MAX_PAYLOAD_BYTES, 7)
    expect(decodeRelay(encodeRelay({role: 'callee', token, seq: 1, sendTime: 0, payload: big})).payload.equals(big)).toBe(true)
    expect(otherRole('caller')).toBe('callee')
    expect(otherRole('callee')).toBe('caller')
  })

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeRelay({role: 'caller', token: 'ABC', seq: 1, sendTime: 0})).toThrow(/token/)
    expect(() => encodeRelay({role: 'caller', token, seq: -1, sendTime: 0})).toThrow(/seq/)
    expect(() => encodeRelay({role: 'caller', token, seq: 2 ** 32, sendTime: 0})).toThrow(/seq/)
    expect(() => encodeRelay({role: 'caller', token, seq: 1, sendTime: NaN})).toThrow(/sendTime/)
    expect(() => encodeRelay({role: 'caller', token, seq: 1, sendTime: 0, payload: Buffer.alloc(RELAY_MAX_PAYLOAD_BYTES + 1)})).toThrow(/payload/)
    expect(() => encodeRelay({role: 'x' as never, token, seq: 1, sendTime: 0})).toThrow(/role/)
  })

  it('throws IMH_ERR_RELAY_MALFORMED on every defect', () => {
    const good = encodeRelay({role: 'caller', token, seq: 1, sendTime: 0})
    const mutate = (offset: number, value: number) => {
      const b = Buffer.from(good)
      b[offset] = value
      return b
    }
    malformed(good.subarray(0, RELAY_HEADER_BYTES - 1))
    malformed(Buffer.alloc(0))
    malformed(mutate(3, 0x53)) // magic IMHS
    malformed(mutate(4, 2)) // version
    malformed(mutate(5, 0x02)) // unknown flag
    malformed(mutate(6, 2)) // role
    malformed(mutate(7, 1)) // reserved
    const nan = Buffer.from(good)
    nan.writeDoubleBE(Number.NaN, 28)
    malformed(nan)
    malformed(Buffer.concat([good, Buffer.alloc(RELAY_MAX_PAYLOAD_BYTES + 1)]))
  })

  it('demultiplexes by the first byte: STUN 0–3, relay 64–127', () => {
    expect(isRelayDatagram(Buffer.from([0x00, 0x01]))).toBe(false)
    expect(isRelayDatagram(Buffer.from([0x49]))).toBe(true)
    expect(isRelayDatagram(Buffer.from([0x40]))).toBe(true)
    expect(isRelayDatagram(Buffer.from([0x80]))).toBe(false)
    expect(isRelayDatagram(Buffer.alloc(0))).toBe(false)
  })
})
