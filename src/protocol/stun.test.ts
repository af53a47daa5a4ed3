import * as zlib from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {isImhError} from './errors.js'
import {
  STUN_ATTR, STUN_BINDING_ERROR, STUN_BINDING_REQUEST, STUN_BINDING_SUCCESS, STUN_CLASS, STUN_METHOD, crc32, decodeErrorCode,
  decodeMappedAddress, decodeStun, decodeText, decodeXorMappedAddress, encodeErrorCode, encodeMappedAddress, encodeSoftware, encodeStun,
  encodeXorMappedAddress, formatIPv6, getStunAttribute, looksLikeStun, mappedAddressOf, newTransactionId, shortTermKey, stunClass, stunMethod,
  stunType, unmapIPv4, verifyFingerprint, verifyMessageIntegrity,
} from './stun.js'
import {RFC5769_PASSWORD, RFC5769_SAMPLE_IPV4_RESPONSE, RFC5769_SAMPLE_IPV6_RESPONSE, RFC5769_SAMPLE_REQUEST, RFC5769_TRANSACTION_ID} from './stun-vectors.js'

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')

// RFC 5769 §2.1–§2.3, byte for byte (shared with the conformance suite).
const PASSWORD = RFC5769_PASSWORD
const TID = RFC5769_TRANSACTION_ID
const SAMPLE_REQUEST = RFC5769_SAMPLE_REQUEST
const SAMPLE_IPV4_RESPONSE = RFC5769_SAMPLE_IPV4_RESPONSE
const SAMPLE_IPV6_RESPONSE = RFC5769_SAMPLE_IPV6_RESPONSE

function expectMalformed(buf: Buffer, text: RegExp): void {
  try {
    decodeStun(buf)
    expect.unreachable()
  } catch (err) {
    expect(isImhError(err, 'IMH_ERR_STUN_MALFORMED'), String(err)).toBe(true)
    expect((err as Error).message).toMatch(text)
  }
}

describe('STUN message type', () => {
  it('interleaves method and class bits', () => {
    expect(STUN_BINDING_REQUEST).toBe(0x0001)
    expect(STUN_BINDING_SUCCESS).toBe(0x0101)
    expect(STUN_BINDING_ERROR).toBe(0x0111)
    expect(stunType(STUN_METHOD.BINDING, STUN_CLASS.INDICATION)).toBe(0x0011)
    for (const method of [0x001, 0x003, 0x00f, 0x010, 0x07f, 0x080, 0xfff]) {
      for (const cls of [0, 1, 2, 3] as const) {
        const t = stunType(method, cls)
        expect(stunMethod(t)).toBe(method)
        expect(stunClass(t)).toBe(cls)
      }
    }
  })
})

describe('CRC-32', () => {
  it('matches the standard check value and zlib where it exists', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926)
    const z = (zlib as {crc32?: (b: Buffer) => number}).crc32
    if (z) for (const b of [SAMPLE_REQUEST, SAMPLE_IPV6_RESPONSE, Buffer.alloc(0)]) expect(crc32(b)).toBe(z(b))
  })
})

describe('RFC 5769 test vectors', () => {
  it('§2.1 sample request: decodes, FINGERPRINT and MESSAGE-INTEGRITY check out', () => {
    const msg = decodeStun(SAMPLE_REQUEST)
    expect(msg.type).toBe(STUN_BINDING_REQUEST)
    expect(msg.method).toBe(STUN_METHOD.BINDING)
    expect(msg.cls).toBe(STUN_CLASS.REQUEST)
    expect(msg.transactionId.equals(TID)).toBe(true)
    expect(msg.attributes.map((a) => a.type)).toEqual([0x8022, 0x0024, 0x8029, 0x0006, 0x0008, 0x8028])
    expect(decodeText(getStunAttribute(msg, STUN_ATTR.SOFTWARE)!.value)).toBe('STUN test client')
    expect(decodeText(getStunAttribute(msg, STUN_ATTR.USERNAME)!.value)).toBe('evtj:h6vY')
    expect(verifyFingerprint(msg)).toBe(true)
    expect(verifyMessageIntegrity(msg, shortTermKey(PASSWORD))).toBe(true)
    expect(verifyMessageIntegrity(msg, shortTermKey('wrong'))).toBe(false)
  })

  it('§2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const msg = decodeStun(SAMPLE_IPV4_RESPONSE)
    expect(msg.type).toBe(STUN_BINDING_SUCCESS)
    expect(decodeText(getStunAttribute(msg, STUN_ATTR.SOFTWARE)!.value)).toBe('test vector')
    expect(mappedAddressOf(msg)).toEqual({family: 'IPv4', address: '192.0.2.1', port: 32853})
    expect(verifyFingerprint(msg)).toBe(true)
    expect(verifyMessageIntegrity(msg, shortTermKey(PASSWORD))).toBe(true)
  })

  it('§2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const msg = decodeStun(SAMPLE_IPV6_RESPONSE)
    expect(mappedAddressOf(msg)).toEqual({family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853})
    expect(verifyFingerprint(msg)).toBe(true)
    expect(verifyMessageIntegrity(msg, shortTermKey(PASSWORD))).toBe(true)
  })

  it('re-encodes the vectors: same bytes up to MESSAGE-INTEGRITY once padding is zeroed, valid MAC and CRC', () => {
    for (const vector of [SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE]) {
      const msg = decodeStun(vector)
      const mi = getStunAttribute(msg, STUN_ATTR.MESSAGE_INTEGRITY)!
      const attributes = msg.attributes.filter((a) => a.offset < mi.offset).map(({type, value}) => ({type, value}))
      const again = encodeStun({type: msg.type, transactionId: msg.transactionId, attributes}, {integrityKey: shortTermKey(PASSWORD), fingerprint: true})
      // The RFC pads text with spaces, the encoder with zeros (both allowed): zero the vector's padding.
      const zeroed = Buffer.from(vector)
      for (const a of msg.attributes) zeroed.fill(0, a.offset + 4 + a.value.length, a.offset + 4 + ((a.value.length + 3) & ~3))
      expect(again.length).toBe(vector.length)
      expect(again.subarray(0, mi.offset).equals(zeroed.subarray(0, mi.offset))).toBe(true)
      const re = decodeStun(again)
      expect(verifyMessageIntegrity(re, shortTermKey(PASSWORD))).toBe(true)
      expect(verifyFingerprint(re)).toBe(true)
      // Where the vector has no space padding before MESSAGE-INTEGRITY the MAC comes out identical.
      if (zeroed.subarray(0, mi.offset).equals(vector.subarray(0, mi.offset))) expect(again.equals(vector)).toBe(true)
    }
    expect(encodeXorMappedAddress({family: 'IPv4', address: '192.0.2.1', port: 32853}, TID).equals(hex('00 01 a1 47 e1 12 a6 43'))).toBe(true)
    expect(encodeXorMappedAddress({family: 'IPv6', address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853}, TID).equals(hex('00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9'))).toBe(true)
  })

  it('an encoded message with no text padding matches byte for byte after decode → encode', () => {
    const transactionId = TID
    const attributes = [{type: STUN_ATTR.XOR_MAPPED_ADDRESS, value: encodeXorMappedAddress({family: 'IPv4', address: '192.0.2.1', port: 32853}, transactionId)}]
    const buf = encodeStun({type: STUN_BINDING_SUCCESS, transactionId, attributes}, {integrityKey: shortTermKey(PASSWORD), fingerprint: true})
    const msg = decodeStun(buf)
    const again = encodeStun({type: msg.type, transactionId: msg.transactionId, attributes: msg.attributes.slice(0, 1).map(({type, value}) => ({type, value}))}, {integrityKey: shortTermKey(PASSWORD), fingerprint: true})
    expect(again.equals(buf)).toBe(true)
  })
})

describe('encodeStun / decodeStun round trips', () => {
  it('a bare Binding request is 20 bytes and decodes back', () => {
    const transactionId = newTransactionId()
    const buf = encodeStun({type: STUN_BINDING_REQUEST, transactionId})
    expect(buf.length).toBe(20)
    expect(looksLikeStun(buf)).toBe(true)
    const msg = decodeStun(buf)
    expect(msg.transactionId.equals(transactionId)).toBe(true)
    expect(msg.attributes).toEqual([])
  })

  it('carries addresses, SOFTWARE and ERROR-CODE with padding, fingerprint and integrity', () => {
    const transactionId = newTransactionId()
    const v6 = {family: 'IPv6' as const, address: '::1', port: 5000}
    const v4 = {family: 'IPv4' as const, address: '10.1.2.3', port: 65535}
    const buf = encodeStun(
      {
        type: STUN_BINDING_ERROR,
        transactionId,
        attributes: [
          {type: STUN_ATTR.XOR_MAPPED_ADDRESS, value: encodeXorMappedAddress(v6, transactionId)},
          {type: STUN_ATTR.MAPPED_ADDRESS, value: encodeMappedAddress(v4)},
          {type: STUN_ATTR.SOFTWARE, value: encodeSoftware('imh ünïcode')},
          {type: STUN_ATTR.ERROR_CODE, value: encodeErrorCode({code: 420, reason: 'Unknown Attribute'})},
        ],
      },
      {fingerprint: true, integrityKey: Buffer.from('k')},
    )
    expect(buf.length % 4).toBe(0)
    const msg = decodeStun(buf)
    expect(decodeXorMappedAddress(getStunAttribute(msg, STUN_ATTR.XOR_MAPPED_ADDRESS)!.value, transactionId)).toEqual(v6)
    expect(decodeMappedAddress(getStunAttribute(msg, STUN_ATTR.MAPPED_ADDRESS)!.value)).toEqual(v4)
    expect(mappedAddressOf(msg)).toEqual(v6)
    expect(decodeText(getStunAttribute(msg, STUN_ATTR.SOFTWARE)!.value)).toBe('imh ünïcode')
    expect(decodeErrorCode(getStunAttribute(msg, STUN_ATTR.ERROR_CODE)!.value)).toEqual({code: 420, reason: 'Unknown Attribute'})
    expect(verifyFingerprint(msg)).toBe(true)
    expect(verifyMessageIntegrity(msg, Buffer.from('k'))).toBe(true)
    expect(verifyMessageIntegrity(msg, Buffer.from('K'))).toBe(false)
  })

  it('formats IPv6 addresses the way Node does', () => {
    const cases = ['::', '::1', '2001:db8::1', 'fe80::1:0:0:1', '1:0:0:2::3', '1::2:0:0:3', '2001:db8:0:1:1:1:1:1', '::ffff:192.0.2.1', '1::']
    for (const a of cases) {
      const tid = newTransactionId()
      expect(decodeXorMappedAddress(encodeXorMappedAddress({family: 'IPv6', address: a, port: 1}, tid), tid).address).toBe(a)
    }
    expect(formatIPv6(Buffer.alloc(16))).toBe('::')
    expect(unmapIPv4('::ffff:10.0.0.1')).toBe('10.0.0.1')
    expect(unmapIPv4('::1')).toBe('::1')
  })
})

describe('decodeStun rejects malformed input', () => {
  const good = () => Buffer.from(SAMPLE_IPV4_RESPONSE)

  it('short', () => {
    expectMalformed(Buffer.alloc(0), /shorter than the 20-byte header/)
    expectMalformed(good().subarray(0, 19), /shorter than the 20-byte header/)
  })

  it('top two bits set (not STUN: RTP, ChannelData)', () => {
    const b = good()
    b[0] = 0x80
    expectMalformed(b, /top bits/)
  })

  it('bad cookie', () => {
    const b = good()
    b.writeUInt32BE(0x2112a443, 4)
    expectMalformed(b, /cookie/)
    expect(looksLikeStun(b)).toBe(false)
  })

  it('bad length: not a multiple of 4, or not what follows', () => {
    const b = good()
    b.writeUInt16BE(0x3d, 2)
    expectMalformed(b, /multiple of 4/)
    expectMalformed(Buffer.concat([good(), Buffer.alloc(4)]), /does not match/)
    expectMalformed(good().subarray(0, good().length - 4), /does not match/)
  })

  it('an attribute running past the end, or its padding missing', () => {
    const b = good()
    b.writeUInt16BE(0x40, 20 + 2) // SOFTWARE claims 64 bytes
    expectMalformed(b, /runs past the end/)
    const c = encodeStun({type: STUN_BINDING_REQUEST, transactionId: TID, attributes: [{type: STUN_ATTR.SOFTWARE, value: Buffer.from('abcd')}]})
    c.writeUInt16BE(5, 22) // 5 bytes need 8 with padding, only 4 are there
    expectMalformed(c, /runs past the end/)
  })

  it('bad fingerprint, and an attribute after FINGERPRINT', () => {
    const b = good()
    b[b.length - 1]! ^= 1
    expectMalformed(b, /FINGERPRINT/)
    const tid = newTransactionId()
    const fp = encodeStun({type: STUN_BINDING_REQUEST, transactionId: tid}, {fingerprint: true})
    const after = Buffer.concat([fp, hex('80 22 00 00')])
    after.writeUInt16BE(after.length - 20, 2)
    expectMalformed(after, /follows FINGERPRINT/)
    // A changed body byte also breaks the fingerprint.
    const v = Buffer.from(SAMPLE_REQUEST)
    v[30]! ^= 0x01
    expectMalformed(v, /FINGERPRINT/)
  })

  it('bad address attributes', () => {
    expect(() => decodeXorMappedAddress(hex('00 03 00 00 00 00 00 00'), TID)).toThrow(/family/)
    expect(() => decodeXorMappedAddress(hex('00 01 00 00 00 00'), TID)).toThrow(/6 bytes/)
    expect(() => decodeErrorCode(hex('00 00 02 00'))).toThrow(/ERROR-CODE/)
  })
})
