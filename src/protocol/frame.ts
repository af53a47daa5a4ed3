import {ImhError} from './errors.js'

/** Long-link framing (PROTOCOL.md §4.1): five big-endian uint32, then a UTF-8 JSON body. */
export const HEAD_LEN = 20
export const PROTOCOL_VERSION = 1
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const UINT32_MAX = 0xffff_ffff

export interface Frame {
  cmd: number
  seq: number
  /** Raw body bytes; empty for NOOP and SYNC_NOTIFY. */
  body: Buffer
  version?: number
}

export interface FrameHeader {
  headLen: number
  version: number
  cmd: number
  seq: number
  bodyLen: number
}

function checkUint32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new RangeError(`${name} must be an integer from 0 to ${UINT32_MAX}, got ${value}`)
  }
}

/** Encodes one frame. `body` may be bytes, a string, or a value to serialise as JSON. */
export function encodeFrame(cmd: number, seq: number, body?: unknown, version = PROTOCOL_VERSION): Buffer {
  checkUint32('cmd', cmd)
  checkUint32('seq', seq)
  let out: Buffer
  if (body === undefined || body === null) {
    out = Buffer.allocUnsafe(HEAD_LEN)
  } else if (typeof body === 'string' || !(body instanceof Uint8Array)) {
    // Text goes straight into the frame: one allocation and one copy, not a body buffer copied in.
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    out = Buffer.allocUnsafe(HEAD_LEN + Buffer.byteLength(text, 'utf8'))
    out.write(text, HEAD_LEN, 'utf8')
  } else {
    out = Buffer.allocUnsafe(HEAD_LEN + body.byteLength)
    out.set(body, HEAD_LEN)
  }
  writeHeader(out, version, cmd, seq)
  return out
}

function writeHeader(out: Buffer, version: number, cmd: number, seq: number): void {
  out.writeUInt32BE(HEAD_LEN, 0)
  out.writeUInt32BE(version, 4)
  out.writeUInt32BE(cmd, 8)
  out.writeUInt32BE(seq, 12)
  out.writeUInt32BE(out.length - HEAD_LEN, 16)
}

/** Reads and checks a header. Throws the coded error a server must answer with. */
export function decodeHeader(buf: Buffer, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): FrameHeader {
  if (buf.length < HEAD_LEN) throw new ImhError('IMH_ERR_FRAME_TOO_SHORT', `frame of ${buf.length} bytes is shorter than the ${HEAD_LEN}-byte header`)
  const header: FrameHeader = {
    headLen: buf.readUInt32BE(0),
    version: buf.readUInt32BE(4),
    cmd: buf.readUInt32BE(8),
    seq: buf.readUInt32BE(12),
    bodyLen: buf.readUInt32BE(16),
  }
  if (header.headLen !== HEAD_LEN) throw new ImhError('IMH_ERR_BAD_HEAD_LEN', `headLen is ${header.headLen}, must be ${HEAD_LEN}`, {header})
  if (header.version !== PROTOCOL_VERSION) throw new ImhError('IMH_ERR_BAD_VERSION', `version ${header.version} is not supported (this is version ${PROTOCOL_VERSION})`, {header})
  if (header.bodyLen > maxBodyBytes) throw new ImhError('IMH_ERR_FRAME_TOO_LARGE', `bodyLen ${header.bodyLen} exceeds the limit of ${maxBodyBytes} bytes`, {header})
  return header
}

/** Decodes a buffer that holds exactly one frame (one WebSocket binary message). */
export function decodeFrame(buf: Buffer, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Frame & {header: FrameHeader} {
  const header = decodeHeader(buf, maxBodyBytes)
  if (buf.length !== HEAD_LEN + header.bodyLen) {
    throw new ImhError('IMH_ERR_LENGTH_MISMATCH', `bodyLen is ${header.bodyLen} but ${buf.length - HEAD_LEN} bytes follow the header`, {header})
  }
  return {cmd: header.cmd, seq: header.seq, version: header.version, body: buf.subarray(HEAD_LEN), header}
}

/**
 * Splits a byte stream (raw TCP, as Mars uses) into frames. Bounded: a frame over the limit is
 * refused from its header, before its body is buffered.
 */
export class FrameStreamDecoder {
  private chunks: Buffer[] = []
  private buffered = 0

  constructor(private readonly maxBodyBytes = DEFAULT_MAX_BODY_BYTES) {}

  /**
   * Adds bytes; returns the frames now complete. Throws a coded error on a bad header, and the
   * frames before it in the same chunk are lost: a server that must answer those first uses `feed`.
   */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = []
    this.feed(chunk, (frame) => frames.push(frame))
    return frames
  }

  /**
   * Adds bytes and hands each frame now complete to `onFrame`, in order; then throws the coded
   * error of a bad header that followed them. After an error the decoder must not be fed again.
   */
  feed(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (this.buffered >= HEAD_LEN) {
      const head = this.peek(HEAD_LEN)
      const header = decodeHeader(head, this.maxBodyBytes)
      const total = HEAD_LEN + header.bodyLen
      if (this.buffered < total) break
      const whole = this.take(total)
      onFrame({cmd: header.cmd, seq: header.seq, version: header.version, body: whole.subarray(HEAD_LEN)})
    }
  }

  get pendingBytes(): number {
    return this.buffered
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n)
    const all = Buffer.concat(this.chunks)
    this.chunks = [all]
    return all.subarray(0, n)
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
    const out = all.subarray(0, n)
    const rest = all.subarray(n)
    this.chunks = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    return out
  }
}

/**
 * One decoder for every body: a fatal decoder keeps no state between whole-buffer decodes, and
 * making one per frame was the costliest step of parsing a small body.
 */
const UTF8 = new TextDecoder('utf-8', {fatal: true})

/** Parses a frame body as JSON; an empty body reads as `{}`. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {}
  let text: string
  try {
    text = UTF8.decode(body)
  } catch {
    throw new ImhError('IMH_ERR_BAD_JSON', 'body is not valid UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ImhError('IMH_ERR_BAD_JSON', `body is not valid JSON: ${(err as Error).message}`)
  }
}
