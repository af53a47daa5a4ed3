import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import {isIPv4, isIPv6} from 'node:net'
import {ImhError} from './errors.js'

/**
 * STUN (RFC 5389, updated by RFC 8489) as used on the relay group (PROTOCOL.md §11.1): the
 * message codec and the attributes a Binding exchange needs. Shared by the reference server and
 * the client. Every malformed input throws ImhError IMH_ERR_STUN_MALFORMED, which a server turns
 * into a silent drop (STUN never answers garbage).
 */

export const STUN_MAGIC_COOKIE = 0x2112a442
export const STUN_HEADER_BYTES = 20
export const STUN_TRANSACTION_ID_BYTES = 12
/** FINGERPRINT is the CRC-32 of the message XOR this value ("STUN" in ASCII). */
export const STUN_FINGERPRINT_XOR = 0x5354554e

export const STUN_METHOD = {BINDING: 0x001} as const

export const STUN_CLASS = {REQUEST: 0, INDICATION: 1, SUCCESS: 2, ERROR: 3} as const
export type StunClass = (typeof STUN_CLASS)[keyof typeof STUN_CLASS]

export const STUN_ATTR = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  FINGERPRINT: 0x8028,
} as const

/** Binding request and success response message types (0x0001, 0x0101). */
export const STUN_BINDING_REQUEST = stunType(STUN_METHOD.BINDING, STUN_CLASS.REQUEST)
export const STUN_BINDING_SUCCESS = stunType(STUN_METHOD.BINDING, STUN_CLASS.SUCCESS)
export const STUN_BINDING_ERROR = stunType(STUN_METHOD.BINDING, STUN_CLASS.ERROR)

/** The 14-bit message type: method bits M0–M11 interleaved with class bits C0 (bit 4) and C1 (bit 8). */
export function stunType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((cls & 2) << 7) | ((cls & 1) << 4)
}

export function stunMethod(type: number): number {
  return ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f)
}

export function stunClass(type: number): StunClass {
  return (((type & 0x0100) >> 7) | ((type & 0x0010) >> 4)) as StunClass
}

export interface StunAttribute {
  type: number
  value: Buffer
}

export interface DecodedStunAttribute extends StunAttribute {
  /** Byte offset of the attribute's 4-byte header inside the message. */
  offset: number
}

export interface StunMessageInput {
  type: number
  /** 12 bytes. */
  transactionId: Buffer
  attributes?: StunAttribute[]
}

export interface StunMessage {
  type: number
  method: number
  cls: StunClass
  transactionId: Buffer
  attributes: DecodedStunAttribute[]
  /** The whole message as received; MESSAGE-INTEGRITY and FINGERPRINT are checked over it. */
  raw: Buffer
}

export interface EncodeStunOptions {
  /** Append FINGERPRINT (last). */
  fingerprint?: boolean
  /** Append MESSAGE-INTEGRITY (HMAC-SHA1 with this key) before FINGERPRINT. */
  integrityKey?: Buffer
}

export interface StunAddress {
  family: 'IPv4' | 'IPv6'
  address: string
  port: number
}

function malformed(message: string): ImhError {
  return new ImhError('IMH_ERR_STUN_MALFORMED', `STUN: ${message}`)
}

function pad4(n: number): number {
  return (n + 3) & ~3
}

export function newTransactionId(): Buffer {
  return randomBytes(STUN_TRANSACTION_ID_BYTES)
}

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table driven. zlib.crc32 is not in
// Node 20 as first released (it came in 22.2 and was backported only to 20.15), so the codec
// carries its own 256-entry table and does not depend on the minor version; stun.test.ts checks
// it against zlib.crc32 where that exists.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(buf: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of buf) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function header(type: number, bodyLength: number, transactionId: Buffer): Buffer {
  if (transactionId.length !== STUN_TRANSACTION_ID_BYTES) throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN transaction id must be ${STUN_TRANSACTION_ID_BYTES} bytes, got ${transactionId.length}`)
  if (!Number.isInteger(type) || type < 0 || type > 0x3fff) throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN message type must fit 14 bits, got ${type}`)
  const h = Buffer.alloc(STUN_HEADER_BYTES)
  h.writeUInt16BE(type, 0)
  h.writeUInt16BE(bodyLength, 2)
  h.writeUInt32BE(STUN_MAGIC_COOKIE, 4)
  transactionId.copy(h, 8)
  return h
}

function attributeBytes(a: StunAttribute): Buffer {
  if (a.value.length > 0xffff) throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN attribute 0x${a.type.toString(16)} is over 65535 bytes`)
  const out = Buffer.alloc(4 + pad4(a.value.length))
  out.writeUInt16BE(a.type, 0)
  out.writeUInt16BE(a.value.length, 2)
  a.value.copy(out, 4)
  return out
}

/** Encodes a message; padding is zeros; MESSAGE-INTEGRITY then FINGERPRINT are appended on request. */
export function encodeStun(msg: StunMessageInput, options: EncodeStunOptions = {}): Buffer {
  let body = Buffer.concat((msg.attributes ?? []).map(attributeBytes))
  if (options.integrityKey) {
    // The HMAC covers the header with a length that already counts MESSAGE-INTEGRITY (24 bytes).
    const head = header(msg.type, body.length + 24, msg.transactionId)
    const mac = createHmac('sha1', options.integrityKey).update(head).update(body).digest()
    body = Buffer.concat([body, attributeBytes({type: STUN_ATTR.MESSAGE_INTEGRITY, value: mac})])
  }
  if (options.fingerprint) {
    const head = header(msg.type, body.length + 8, msg.transactionId)
    const crc = (crc32(Buffer.concat([head, body])) ^ STUN_FINGERPRINT_XOR) >>> 0
    const value = Buffer.alloc(4)
    value.writeUInt32BE(crc, 0)
    body = Buffer.concat([body, attributeBytes({type: STUN_ATTR.FINGERPRINT, value})])
  }
  if (body.length > 0xffff) throw new ImhError('IMH_ERR_INVALID_OPTION', 'STUN message over 65535 bytes')
  return Buffer.concat([header(msg.type, body.length, msg.transactionId), body])
}

/** True when the datagram can be a STUN message at all (top bits, cookie, length); for demultiplexing. */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= STUN_HEADER_BYTES && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === STUN_MAGIC_COOKIE && buf.readUInt16BE(2) + STUN_HEADER_BYTES === buf.length
}

/**
 * Decodes and validates one message: 20-byte header, top two bits zero, length a multiple of 4
 * equal to the bytes that follow, the magic cookie, every attribute inside the message with its
 * padding, FINGERPRINT (if any) last and correct. Padding bytes are not checked (RFC 5389 §15:
 * they are ignored; the RFC 5769 vectors pad with spaces).
 */
export function decodeStun(buf: Buffer): StunMessage {
  if (buf.length < STUN_HEADER_BYTES) throw malformed(`${buf.length} bytes, shorter than the 20-byte header`)
  const type = buf.readUInt16BE(0)
  if (type & 0xc000) throw malformed('the two top bits of the message type are not zero')
  const length = buf.readUInt16BE(2)
  if (length % 4 !== 0) throw malformed(`message length ${length} is not a multiple of 4`)
  if (length + STUN_HEADER_BYTES !== buf.length) throw malformed(`message length ${length} does not match the ${buf.length - STUN_HEADER_BYTES} bytes after the header`)
  if (buf.readUInt32BE(4) !== STUN_MAGIC_COOKIE) throw malformed('wrong magic cookie')
  const attributes: DecodedStunAttribute[] = []
  let at = STUN_HEADER_BYTES
  while (at < buf.length) {
    if (at + 4 > buf.length) throw malformed(`truncated attribute header at byte ${at}`)
    const attrType = buf.readUInt16BE(at)
    const attrLength = buf.readUInt16BE(at + 2)
    if (at + 4 + pad4(attrLength) > buf.length) throw malformed(`attribute 0x${attrType.toString(16)} at byte ${at} runs past the end of the message`)
    if (attributes.some((a) => a.type === STUN_ATTR.FINGERPRINT)) throw malformed('an attribute follows FINGERPRINT')
    attributes.push({type: attrType, value: buf.subarray(at + 4, at + 4 + attrLength), offset: at})
    at += 4 + pad4(attrLength)
  }
  const message: StunMessage = {type, method: stunMethod(type), cls: stunClass(type), transactionId: buf.subarray(8, 20), attributes, raw: buf}
  if (getStunAttribute(message, STUN_ATTR.FINGERPRINT) && !verifyFingerprint(message)) throw malformed('FINGERPRINT does not match')
  return message
}

export function getStunAttribute(msg: StunMessage, type: number): DecodedStunAttribute | undefined {
  return msg.attributes.find((a) => a.type === type)
}

/** The message up to (not including) the attribute at `offset`, its length field set as if that attribute of `attrBytes` ended it. */
function prefixFor(msg: StunMessage, offset: number, attrBytes: number): Buffer {
  const prefix = Buffer.from(msg.raw.subarray(0, offset))
  prefix.writeUInt16BE(offset - STUN_HEADER_BYTES + attrBytes, 2)
  return prefix
}

/** True when the message has a FINGERPRINT and it matches; false when absent or wrong. */
export function verifyFingerprint(msg: StunMessage): boolean {
  const fp = getStunAttribute(msg, STUN_ATTR.FINGERPRINT)
  if (!fp || fp.value.length !== 4) return false
  return ((crc32(prefixFor(msg, fp.offset, 8)) ^ STUN_FINGERPRINT_XOR) >>> 0) === fp.value.readUInt32BE(0)
}

/** True when MESSAGE-INTEGRITY is present and is the HMAC-SHA1 under `key` (RFC 5389 §15.4). */
export function verifyMessageIntegrity(msg: StunMessage, key: Buffer): boolean {
  const mi = getStunAttribute(msg, STUN_ATTR.MESSAGE_INTEGRITY)
  if (!mi || mi.value.length !== 20) return false
  const mac = createHmac('sha1', key).update(prefixFor(msg, mi.offset, 24)).digest()
  return timingSafeEqual(mac, mi.value)
}

/** Short-term credential key: the password itself (SASLprep is not applied; ASCII passwords only). */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(password, 'utf8')
}

// --- Addresses --------------------------------------------------------------------------

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number))
}

function ipv6Bytes(address: string): Buffer {
  let text = address.replace(/%.*$/, '')
  const out = Buffer.alloc(16)
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    ipv4Bytes(v4[1]!).copy(out, 12)
    const b = out
    text = text.slice(0, -v4[1]!.length) + `${b.readUInt16BE(12).toString(16)}:${b.readUInt16BE(14).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parts = (s: string) => (s === '' ? [] : s.split(':'))
  const left = parts(head)
  const right = tail === undefined ? [] : parts(tail)
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2))
  return out
}

/** RFC 5952 text form, as Node prints addresses (`::1`, `::ffff:1.2.3.4`). */
export function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({length: 8}, (_, i) => bytes.readUInt16BE(i * 2))
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${[...bytes.subarray(12)].join('.')}`
  let bestAt = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i]
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestAt < 0) return hex.join(':')
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`
}

/** `::ffff:a.b.c.d` (a dual-stack socket's view of an IPv4 peer) as the IPv4 address it is. */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return m ? m[1]! : address
}

function addressValue(addr: StunAddress, mask?: Buffer): Buffer {
  const ip = addr.family === 'IPv4' ? ipv4Bytes(addr.address) : ipv6Bytes(addr.address)
  if ((addr.family === 'IPv4' && !isIPv4(addr.address)) || (addr.family === 'IPv6' && !isIPv6(addr.address))) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `not an ${addr.family} address: ${addr.address}`)
  }
  const out = Buffer.alloc(4 + ip.length)
  out[1] = addr.family === 'IPv4' ? 0x01 : 0x02
  out.writeUInt16BE(mask ? addr.port ^ (STUN_MAGIC_COOKIE >>> 16) : addr.port, 2)
  for (let i = 0; i < ip.length; i++) out[4 + i] = mask ? ip[i]! ^ mask[i]! : ip[i]!
  return out
}

function readAddress(value: Buffer, mask?: Buffer): StunAddress {
  if (value.length < 4) throw malformed('address attribute shorter than 4 bytes')
  const family = value[1]
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0
  if (size === 0) throw malformed(`unknown address family 0x${family!.toString(16)}`)
  if (value.length !== 4 + size) throw malformed(`address attribute of ${value.length} bytes for family ${family}`)
  const raw = value.readUInt16BE(2)
  const port = mask ? raw ^ (STUN_MAGIC_COOKIE >>> 16) : raw
  const ip = Buffer.alloc(size)
  for (let i = 0; i < size; i++) ip[i] = mask ? value[4 + i]! ^ mask[i]! : value[4 + i]!
  return size === 4 ? {family: 'IPv4', address: [...ip].join('.'), port} : {family: 'IPv6', address: formatIPv6(ip), port}
}

/** Cookie followed by the transaction id: what X-Address is XORed with (IPv4 uses the first 4 bytes). */
function xorMask(transactionId: Buffer): Buffer {
  const mask = Buffer.alloc(16)
  mask.writeUInt32BE(STUN_MAGIC_COOKIE, 0)
  transactionId.copy(mask, 4)
  return mask
}

export function encodeXorMappedAddress(addr: StunAddress, transactionId: Buffer): Buffer {
  return addressValue(addr, xorMask(transactionId))
}

export function decodeXorMappedAddress(value: Buffer, transactionId: Buffer): StunAddress {
  return readAddress(value, xorMask(transactionId))
}

export function encodeMappedAddress(addr: StunAddress): Buffer {
  return addressValue(addr)
}

export function decodeMappedAddress(value: Buffer): StunAddress {
  return readAddress(value)
}

/** The reflexive address of a response: XOR-MAPPED-ADDRESS, else the legacy MAPPED-ADDRESS. */
export function mappedAddressOf(msg: StunMessage): StunAddress | undefined {
  const xor = getStunAttribute(msg, STUN_ATTR.XOR_MAPPED_ADDRESS)
  if (xor) return decodeXorMappedAddress(xor.value, msg.transactionId)
  const plain = getStunAttribute(msg, STUN_ATTR.MAPPED_ADDRESS)
  return plain ? decodeMappedAddress(plain.value) : undefined
}

// --- Text and error attributes ----------------------------------------------------------

/** SOFTWARE: UTF-8, fewer than 128 characters (at most 763 bytes). */
export function encodeSoftware(text: string): Buffer {
  const value = Buffer.from(text, 'utf8')
  if (value.length > 763 || [...text].length >= 128) throw new ImhError('IMH_ERR_INVALID_OPTION', 'STUN SOFTWARE must be under 128 characters')
  return value
}

export function decodeText(value: Buffer): string {
  return value.toString('utf8')
}

export interface StunErrorCode {
  /** 300–699. */
  code: number
  reason: string
}

export function encodeErrorCode({code, reason}: StunErrorCode): Buffer {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN error code must be 300–699, got ${code}`)
  const text = Buffer.from(reason, 'utf8')
  const out = Buffer.alloc(4 + text.length)
  out[2] = Math.floor(code / 100)
  out[3] = code % 100
  text.copy(out, 4)
  return out
}

export function decodeErrorCode(value: Buffer): StunErrorCode {
  if (value.length < 4) throw malformed('ERROR-CODE shorter than 4 bytes')
  const cls = value[2]! & 0x07
  const number = value[3]!
  if (cls < 3 || cls > 6 || number > 99) throw malformed(`ERROR-CODE class ${cls} number ${number} out of range`)
  return {code: cls * 100 + number, reason: value.subarray(4).toString('utf8')}
}

/** UNKNOWN-ATTRIBUTES: a list of 16-bit attribute types. */
export function encodeUnknownAttributes(types: number[]): Buffer {
  const out = Buffer.alloc(types.length * 2)
  types.forEach((t, i) => out.writeUInt16BE(t, i * 2))
  return out
}

/** Comprehension-required attributes have types 0x0000–0x7FFF. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000
}
