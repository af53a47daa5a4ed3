import {describe, expect, it} from 'vitest'
import {type ErrorCode, isImhError} from './errors.js'
import {
  DEFAULT_MAX_BODY_BYTES,
  decodeFrame,
  decodeHeader,
  encodeFrame,
  FrameStreamDecoder,
  HEAD_LEN,
  parseJsonBody,
  PROTOCOL_VERSION,
} from './frame.js'
import {thrown} from '../../test/support/thrown.js'

/** Builds a raw header with any field values, for the malformed cases encodeFrame cannot make. */
function rawHeader(fields: {headLen?: number; version?: number; cmd?: number; seq?: number; bodyLen?: number}): Buffer {
  const b = Buffer.alloc(20)
  b.writeUInt32BE(fields.headLen ?? 20, 0)
  b.writeUInt32BE(fields.version ?? 1, 4)
  b.writeUInt32BE(fields.cmd ?? 1, 8)
  b.writeUInt32BE(fields.seq ?? 1, 12)
  b.writeUInt32BE(fields.bodyLen ?? 0, 16)
  return b
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  const err = thrown(fn)
  expect(isImhError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('constants', () => {
  it('has a 20-byte header, version 1 and a 1 MiB default body limit', () => {
    expect(HEAD_LEN).toBe(20)
    expect(PROTOCOL_VERSION).toBe(1)
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024)
  })
})

describe('encodeFrame / decodeFrame round trips', () => {
  it('round-trips an empty body (undefined)', () => {
    const buf = encodeFrame(6, 7)
    expect(buf.length).toBe(20)
    const f = decodeFrame(buf)
    expect(f.cmd).toBe(6)
    expect(f.seq).toBe(7)
    expect(f.version).toBe(1)
    expect(f.body.length).toBe(0)
    expect(f.header).toEqual({headLen: 20, version: 1, cmd: 6, seq: 7, bodyLen: 0})
  })

  it('treats a null body as empty', () => {
    expect(decodeFrame(encodeFrame(4, 0, null)).body.length).toBe(0)
  })

  it('round-trips a JSON object body', () => {
    const body = {token: 'abc', n: 3, nested: {list: [1, 2, 3], ok: true}}
    const f = decodeFrame(encodeFrame(1, 1, body))
    expect(f.cmd).toBe(1)
    expect(f.seq).toBe(1)
    expect(JSON.parse(f.body.toString('utf8'))).toEqual(body)
    expect(parseJsonBody(f.body)).toEqual(body)
    expect(f.header.bodyLen).toBe(Buffer.byteLength(JSON.stringify(body)))
  })

  it('sends a string body as its UTF-8 bytes, not JSON-quoted', () => {
    const f = decodeFrame(encodeFrame(2, 9, '{"a":1}'))
    expect(f.body.toString('utf8')).toBe('{"a":1}')
    expect(parseJsonBody(f.body)).toEqual({a: 1})
  })

  it('sends a Buffer body byte for byte', () => {
    const body = Buffer.from([0, 1, 2, 0xfe, 0xff])
    const f = decodeFrame(encodeFrame(3, 10, body))
    expect(Buffer.compare(f.body, body)).toBe(0)
    expect(f.header.bodyLen).toBe(5)
  })

  it('sends a Uint8Array view body with its own offset and length', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9])
    const view = backing.subarray(2, 5)
    const f = decodeFrame(encodeFrame(3, 10, view))
    expect([...f.body]).toEqual([1, 2, 3])
  })

  it('round-trips the largest seq and cmd, 0xFFFFFFFF', () => {
    const f = decodeFrame(encodeFrame(0xffffffff, 0xffffffff, {x: 1}))
    expect(f.seq).toBe(0xffffffff)
    expect(f.cmd).toBe(0xffffffff)
  })

  it('round-trips seq 0 (pushes)', () => {
    expect(decodeFrame(encodeFrame(4, 0)).seq).toBe(0)
  })

  it('counts bodyLen in bytes for multi-byte UTF-8 content', () => {
    const content = '你好, wörld 👋🏽'
    const body = {content}
    const buf = encodeFrame(2, 5, body)
    const json = JSON.stringify(body)
    expect(buf.readUInt32BE(16)).toBe(Buffer.byteLength(json, 'utf8'))
    expect(Buffer.byteLength(json, 'utf8')).toBeGreaterThan(json.length)
    expect(parseJsonBody(decodeFrame(buf).body)).toEqual({content})
  })

  it('round-trips a multi-byte string body', () => {
    const s = '€𝄞中'
    const f = decodeFrame(encodeFrame(2, 5, s))
    expect(f.body.length).toBe(Buffer.byteLength(s))
    expect(f.body.toString('utf8')).toBe(s)
  })

  it('accepts a body of exactly the limit', () => {
    const body = Buffer.alloc(DEFAULT_MAX_BODY_BYTES, 0x20)
    const f = decodeFrame(encodeFrame(2, 1, body))
    expect(f.body.length).toBe(DEFAULT_MAX_BODY_BYTES)
  })
})

describe('header layout', () => {
  it('writes five big-endian uint32: headLen 20, version 1, cmd, seq, bodyLen', () => {
    const buf = encodeFrame(0x01020304, 0x0a0b0c0d, 'hey')
    expect([...buf.subarray(0, 20)]).toEqual([
      0, 0, 0, 20, // headLen
      0, 0, 0, 1, // version
      0x01, 0x02, 0x03, 0x04, // cmd
      0x0a, 0x0b, 0x0c, 0x0d, // seq
      0, 0, 0, 3, // bodyLen
    ])
    expect(buf.subarray(20).toString('utf8')).toBe('hey')
    expect(buf.length).toBe(23)
  })

  it('writes bodyLen big-endian across all four bytes', () => {
    const buf = encodeFrame(1, 1, Buffer.alloc(0x010203))
    expect([...buf.subarray(16, 20)]).toEqual([0x00, 0x01, 0x02, 0x03])
  })

  it('decodeHeader reads the fields without needing the body', () => {
    const h = decodeHeader(rawHeader({cmd: 2, seq: 77, bodyLen: 500}))
    expect(h).toEqual({headLen: 20, version: 1, cmd: 2, seq: 77, bodyLen: 500})
  })
})

describe('malformed frames', () => {
  it('refuses a frame shorter than 20 bytes with IMH_ERR_FRAME_TOO_SHORT', () => {
    for (const n of [0, 1, 19]) {
      expectCode(() => decodeFrame(Buffer.alloc(n)), 'IMH_ERR_FRAME_TOO_SHORT')
    }
    expectCode(() => decodeFrame(encodeFrame(1, 1).subarray(0, 19)), 'IMH_ERR_FRAME_TOO_SHORT')
  })

  it('refuses headLen other than 20 with IMH_ERR_BAD_HEAD_LEN', () => {
    for (const headLen of [0, 16, 19, 21, 24, 0xffffffff]) {
      expectCode(() => decodeFrame(rawHeader({headLen})), 'IMH_ERR_BAD_HEAD_LEN')
    }
  })

  it('refuses version other than 1 with IMH_ERR_BAD_VERSION', () => {
    for (const version of [0, 2, 0xffffffff]) {
      expectCode(() => decodeFrame(rawHeader({version})), 'IMH_ERR_BAD_VERSION')
    }
    expectCode(() => decodeFrame(encodeFrame(1, 1, {}, 2)), 'IMH_ERR_BAD_VERSION')
  })

  it('refuses bodyLen of 1 MiB + 1 by default with IMH_ERR_FRAME_TOO_LARGE, even without the body', () => {
    expectCode(() => decodeFrame(rawHeader({bodyLen: DEFAULT_MAX_BODY_BYTES + 1})), 'IMH_ERR_FRAME_TOO_LARGE')
    expectCode(() => decodeFrame(encodeFrame(2, 1, Buffer.alloc(DEFAULT_MAX_BODY_BYTES + 1))), 'IMH_ERR_FRAME_TOO_LARGE')
    expectCode(() => decodeFrame(rawHeader({bodyLen: 0xffffffff})), 'IMH_ERR_FRAME_TOO_LARGE')
  })

  it('honours a custom maxBodyBytes', () => {
    const ok = encodeFrame(2, 1, Buffer.alloc(10))
    const over = encodeFrame(2, 1, Buffer.alloc(11))
    expect(decodeFrame(ok, 10).body.length).toBe(10)
    expectCode(() => decodeFrame(over, 10), 'IMH_ERR_FRAME_TOO_LARGE')
    expectCode(() => decodeHeader(over, 10), 'IMH_ERR_FRAME_TOO_LARGE')
    // The same frame is fine under the default limit.
    expect(decodeFrame(over).body.length).toBe(11)
  })

  it('refuses bodyLen larger than the bytes that follow with IMH_ERR_LENGTH_MISMATCH', () => {
    const buf = encodeFrame(2, 1, 'abcdef')
    expectCode(() => decodeFrame(buf.subarray(0, buf.length - 1)), 'IMH_ERR_LENGTH_MISMATCH')
    expectCode(() => decodeFrame(rawHeader({bodyLen: 5})), 'IMH_ERR_LENGTH_MISMATCH')
  })

  it('refuses extra bytes after the body with IMH_ERR_LENGTH_MISMATCH', () => {
    const buf = encodeFrame(2, 1, 'abc')
    expectCode(() => decodeFrame(Buffer.concat([buf, Buffer.from([0])])), 'IMH_ERR_LENGTH_MISMATCH')
    // Two frames in one WebSocket message are also a mismatch.
    expectCode(() => decodeFrame(Buffer.concat([buf, buf])), 'IMH_ERR_LENGTH_MISMATCH')
  })

  it('marks framing errors fatal', () => {
    const err = thrown(() => decodeFrame(Buffer.alloc(3)))
    expect(isImhError(err) && err.fatal).toBe(true)
  })
})

describe('encodeFrame argument checks', () => {
  const bad = [-1, 1.5, 0x1_0000_0000, Number.NaN, Number.POSITIVE_INFINITY]
  it.each(bad)('rejects cmd %s with RangeError', (cmd) => {
    expect(() => encodeFrame(cmd, 1)).toThrow(RangeError)
  })
  it.each(bad)('rejects seq %s with RangeError', (seq) => {
    expect(() => encodeFrame(1, seq)).toThrow(RangeError)
  })
  it('accepts 0 and 0xFFFFFFFF', () => {
    expect(() => encodeFrame(0, 0)).not.toThrow()
    expect(() => encodeFrame(0xffffffff, 0xffffffff)).not.toThrow()
  })
})

describe('FrameStreamDecoder', () => {
  const frames = [
    encodeFrame(1, 1, {token: 't'}),
    encodeFrame(6, 2),
    encodeFrame(2, 3, {content: '中文 👋'}),
  ]
  const stream = Buffer.concat(frames)

  function summary(f: {cmd: number; seq: number; body: Buffer}) {
    return {cmd: f.cmd, seq: f.seq, body: f.body.toString('hex')}
  }
  const expected = frames.map((b) => summary(decodeFrame(b)))

  it('decodes a 3-frame stream fed one byte at a time', () => {
    const d = new FrameStreamDecoder()
    const out: ReturnType<typeof summary>[] = []
    for (let i = 0; i < stream.length; i++) {
      const got = d.push(stream.subarray(i, i + 1))
      out.push(...got.map(summary))
      expect(d.pendingBytes).toBe(i + 1 - consumedBy(i + 1))
    }
    expect(out).toEqual(expected)
    expect(d.pendingBytes).toBe(0)

    // Bytes that belong to whole frames within the first n bytes of the stream.
    function consumedBy(n: number): number {
      let end = 0
      let consumed = 0
      for (const f of frames) {
        end += f.length
        if (end <= n) consumed = end
      }
      return consumed
    }
  })

  it('decodes the stream split at every single byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameStreamDecoder()
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))].map(summary)
      expect(out, `cut at ${cut}`).toEqual(expected)
      expect(d.pendingBytes).toBe(0)
    }
  })

  it('returns several frames from one chunk', () => {
    const d = new FrameStreamDecoder()
    expect(d.push(stream).map(summary)).toEqual(expected)
    expect(d.pendingBytes).toBe(0)
  })

  it('keeps a partial trailing frame pending', () => {
    const d = new FrameStreamDecoder()
    const partial = Buffer.concat([stream, frames[0]!.subarray(0, 25)])
    expect(d.push(partial).map(summary)).toEqual(expected)
    expect(d.pendingBytes).toBe(25)
    expect(d.push(frames[0]!.subarray(25)).map(summary)).toEqual([expected[0]])
    expect(d.pendingBytes).toBe(0)
  })

  it('feed hands on the whole frames before a bad header in the same chunk, then throws its error', () => {
    const d = new FrameStreamDecoder()
    const bad = Buffer.from(frames[0]!)
    bad.writeUInt32BE(2, 4)
    const out: ReturnType<typeof summary>[] = []
    expect(thrown(() => d.feed(Buffer.concat([stream, bad]), (f) => out.push(summary(f))))).toMatchObject({code: 'IMH_ERR_BAD_VERSION'})
    expect(out).toEqual(expected)
  })

  it('reports pendingBytes for a partial header', () => {
    const d = new FrameStreamDecoder()
    expect(d.pendingBytes).toBe(0)
    expect(d.push(stream.subarray(0, 7))).toEqual([])
    expect(d.pendingBytes).toBe(7)
    expect(d.push(stream.subarray(7, 19))).toEqual([])
    expect(d.pendingBytes).toBe(19)
  })

  it('handles empty chunks', () => {
    const d = new FrameStreamDecoder()
    expect(d.push(Buffer.alloc(0))).toEqual([])
    expect(d.push(frames[1]!.subarray(0, 10))).toEqual([])
    expect(d.push(Buffer.alloc(0))).toEqual([])
    expect(d.push(frames[1]!.subarray(10)).map(summary)).toEqual([expected[1]])
  })

  it('refuses an oversize header before its body arrives', () => {
    const d = new FrameStreamDecoder(100)
    // Only the 20-byte header; bodyLen says 101.
    expectCode(() => d.push(rawHeader({bodyLen: 101})), 'IMH_ERR_FRAME_TOO_LARGE')
  })

  it('refuses an oversize header under the default limit from the header alone', () => {
    const d = new FrameStreamDecoder()
    expectCode(() => d.push(rawHeader({bodyLen: DEFAULT_MAX_BODY_BYTES + 1})), 'IMH_ERR_FRAME_TOO_LARGE')
  })

  it('refuses an oversize header that arrives split, once all 20 bytes are in', () => {
    const d = new FrameStreamDecoder(100)
    const head = rawHeader({bodyLen: 1000})
    expect(d.push(head.subarray(0, 19))).toEqual([])
    expectCode(() => d.push(head.subarray(19)), 'IMH_ERR_FRAME_TOO_LARGE')
  })

  it('refuses a bad header that follows a good frame in the same chunk', () => {
    const d = new FrameStreamDecoder()
    expectCode(() => d.push(Buffer.concat([frames[1]!, rawHeader({version: 9})])), 'IMH_ERR_BAD_VERSION')
    const d2 = new FrameStreamDecoder()
    expectCode(() => d2.push(rawHeader({headLen: 12})), 'IMH_ERR_BAD_HEAD_LEN')
  })

  it('accepts a frame of exactly its limit', () => {
    const d = new FrameStreamDecoder(5)
    const got = d.push(encodeFrame(2, 1, Buffer.from('12345')))
    expect(got.map((f) => f.body.toString())).toEqual(['12345'])
  })
})

describe('parseJsonBody', () => {
  it('reads an empty body as {}', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({})
  })

  it('parses a JSON body', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,"ü"]}'))).toEqual({a: [1, 'ü']})
  })

  it('refuses invalid UTF-8 with IMH_ERR_BAD_JSON', () => {
    expectCode(() => parseJsonBody(Buffer.from([0xff, 0xfe])), 'IMH_ERR_BAD_JSON')
    // Valid JSON punctuation around a lone continuation byte.
    expectCode(() => parseJsonBody(Buffer.from([0x22, 0x80, 0x22])), 'IMH_ERR_BAD_JSON')
  })

  it('refuses malformed JSON with IMH_ERR_BAD_JSON', () => {
    for (const text of ['{', '{"a":}', 'nope', '{a:1}', ' ']) {
      expectCode(() => parseJsonBody(Buffer.from(text)), 'IMH_ERR_BAD_JSON')
    }
  })

  it('marks IMH_ERR_BAD_JSON as not fatal', () => {
    const err = thrown(() => parseJsonBody(Buffer.from('{')))
    expect(isImhError(err) && err.fatal).toBe(false)
  })
})
