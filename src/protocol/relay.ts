import {ImhError} from './errors.js'
import {RELAY_TOKEN_PATTERN} from './talk.js'

/**
 * The UDP relay of real-time talk (PROTOCOL.md §11.3): the datagram both parties send to a relay
 * port, which forwards it to the other party of the call (or echoes it back). Shared by the
 * reference server and the client.
 *
 * A relay datagram is a 36-byte header and a payload of 0–1200 bytes:
 *
 * | offset | size | field |
 * | --- | --- | --- |
 * | 0 | 4 | magic `IMHR` (0x49 0x4D 0x48 0x52) |
 * | 4 | 1 | version = 1 |
 * | 5 | 1 | flags: bit 0 echo; the other bits 0 |
 * | 6 | 1 | role: 0 caller, 1 callee |
 * | 7 | 1 | reserved = 0 |
 * | 8 | 16 | token: the call's relayToken as bytes |
 * | 24 | 4 | seq, u32 big-endian |
 * | 28 | 8 | sendTime, float64 big-endian: ms on the sender's clock |
 * | 36 | n | payload |
 *
 * The first byte (0x49) has the top two bits 01 while a STUN message's are 00, so one UDP port
 * carries both, told apart by the first byte (RFC 7983 style).
 */

export const RELAY_MAGIC = Buffer.from('IMHR', 'latin1')
export const RELAY_VERSION = 1
export const RELAY_HEADER_BYTES = 36
export const RELAY_MAX_PAYLOAD_BYTES = 1200
export const RELAY_FLAG_ECHO = 0x01
export const RELAY_TOKEN_BYTES = 16

export type RelayRole = 'caller' | 'callee'

const ROLE_BYTE: Record<RelayRole, number> = {caller: 0, callee: 1}
const ROLES: readonly RelayRole[] = ['caller', 'callee']

export interface RelayDatagram {
  role: RelayRole
  /** The relayToken, 32 lowercase hex digits. */
  token: string
  /** u32, chosen by the sender (its own packet counter). */
  seq: number
  /** ms on the sender's clock (performance.timeOrigin + performance.now()). */
  sendTime: number
  /** Ask the relay to send the datagram back to its sender instead of forwarding it. */
  echo?: boolean
  payload?: Buffer
}

export interface DecodedRelayDatagram extends Required<RelayDatagram> {}

/** The other party of a call. */
export function otherRole(role: RelayRole): RelayRole {
  return role === 'caller' ? 'callee' : 'caller'
}

/**
 * Demultiplexing one datagram of a relay port by its first byte: top bits 00 → STUN (RFC 7983:
 * 0–3), top bits 01 (64–127, which holds 0x49) → relay; anything else is neither (a server hands
 * it to STUN, which drops it as malformed).
 */
export function isRelayDatagram(datagram: Buffer): boolean {
  return datagram.length > 0 && datagram[0]! >> 6 === 1
}

function malformed(why: string): ImhError {
  return new ImhError('IMH_ERR_RELAY_MALFORMED', `relay datagram: ${why}`)
}

export function encodeRelay(d: RelayDatagram): Buffer {
  const payload = d.payload ?? Buffer.alloc(0)
  if (!RELAY_TOKEN_PATTERN.test(d.token)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'relay token must be 32 lowercase hex digits', {option: 'token'})
  if (!Number.isInteger(d.seq) || d.seq < 0 || d.seq > 0xffffffff) throw new ImhError('IMH_ERR_INVALID_OPTION', `relay seq must be a u32, got ${d.seq}`, {option: 'seq'})
  if (!Number.isFinite(d.sendTime)) throw new ImhError('IMH_ERR_INVALID_OPTION', 'relay sendTime must be a finite number', {option: 'sendTime'})
  if (payload.length > RELAY_MAX_PAYLOAD_BYTES) throw new ImhError('IMH_ERR_INVALID_OPTION', `relay payload is at most ${RELAY_MAX_PAYLOAD_BYTES} bytes, got ${payload.length}`, {option: 'payload'})
  if (!(d.role in ROLE_BYTE)) throw new ImhError('IMH_ERR_INVALID_OPTION', `relay role must be caller or callee, got ${String(d.role)}`, {option: 'role'})
  const out = Buffer.alloc(RELAY_HEADER_BYTES + payload.length)
  RELAY_MAGIC.copy(out, 0)
  out.writeUInt8(RELAY_VERSION, 4)
  out.writeUInt8(d.echo ? RELAY_FLAG_ECHO : 0, 5)
  out.writeUInt8(ROLE_BYTE[d.role], 6)
  out.writeUInt8(0, 7)
  out.write(d.token, 8, RELAY_TOKEN_BYTES, 'hex')
  out.writeUInt32BE(d.seq, 24)
  out.writeDoubleBE(d.sendTime, 28)
  payload.copy(out, RELAY_HEADER_BYTES)
  return out
}

/** Decodes and validates one datagram; throws ImhError IMH_ERR_RELAY_MALFORMED. The payload is a view into `datagram`. */
export function decodeRelay(datagram: Buffer): DecodedRelayDatagram {
  if (datagram.length < RELAY_HEADER_BYTES) throw malformed(`${datagram.length} bytes, shorter than the ${RELAY_HEADER_BYTES}-byte header`)
  if (!datagram.subarray(0, 4).equals(RELAY_MAGIC)) throw malformed('wrong magic (expected "IMHR")')
  const version = datagram.readUInt8(4)
  if (version !== RELAY_VERSION) throw malformed(`unsupported version ${version}`)
  const flags = datagram.readUInt8(5)
  if ((flags & ~RELAY_FLAG_ECHO) !== 0) throw malformed(`unknown flag bits 0x${flags.toString(16)}`)
  const role = ROLES[datagram.readUInt8(6)]
  if (role === undefined) throw malformed(`role ${datagram.readUInt8(6)} is neither 0 (caller) nor 1 (callee)`)
  if (datagram.readUInt8(7) !== 0) throw malformed('reserved byte is not 0')
  const sendTime = datagram.readDoubleBE(28)
  if (!Number.isFinite(sendTime)) throw malformed('sendTime is not a finite number')
  const payload = datagram.subarray(RELAY_HEADER_BYTES)
  if (payload.length > RELAY_MAX_PAYLOAD_BYTES) throw malformed(`payload of ${payload.length} bytes is over ${RELAY_MAX_PAYLOAD_BYTES}`)
  return {
    role,
    token: datagram.toString('hex', 8, 8 + RELAY_TOKEN_BYTES),
    seq: datagram.readUInt32BE(24),
    sendTime,
    echo: (flags & RELAY_FLAG_ECHO) !== 0,
    payload,
  }
}
