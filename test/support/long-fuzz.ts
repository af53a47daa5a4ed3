import {CMD, HEAD_LEN, PROTOCOL_VERSION} from '../../src/protocol/index.js'

/**
 * One frame of a fuzz input, as data so that an input can be written to the corpus and replayed:
 * every header field may be wrong on purpose, the body is text (with `$TOKEN` and `$PEER` put in
 * at run time), hex bytes, or absent; `raw` is bytes that are no frame at all.
 */
export type FuzzFrame =
  | {cmd: number; seq: number; body?: string; hex?: string; headLen?: number; version?: number; bodyLen?: number; truncate?: number}
  | {raw: string}

/** A fuzz input: frames, and where the byte stream is cut into writes (tcp) or nothing (ws, one message per frame). */
export interface FuzzInput {
  transport: 'tcp' | 'ws'
  frames: FuzzFrame[]
  /** tcp: offsets in the concatenated bytes where one write ends and the next begins. */
  cuts?: number[]
  /** ws: indexes of frames sent as text messages. */
  text?: number[]
}

/** A corpus entry: an input that once broke something, why, and what must come back. */
export interface CorpusEntry extends FuzzInput {
  note: string
  /** The seqs the server must answer, in order (ERROR replies included); pushes (seq 0) aside. */
  expectReplies?: number[]
  /** The code of the fatal ERROR the server must end with, if it must. */
  expectFatal?: string
}

/** The bytes of one frame, `$TOKEN` and `$PEER` replaced. */
export function frameBytes(f: FuzzFrame, vars: {token: string; peer: string}): Buffer {
  if ('raw' in f) return Buffer.from(f.raw, 'hex')
  const body = f.hex !== undefined ? Buffer.from(f.hex, 'hex') : Buffer.from((f.body ?? '').replaceAll('$TOKEN', vars.token).replaceAll('$PEER', vars.peer), 'utf8')
  const out = Buffer.alloc(HEAD_LEN + body.length)
  out.writeUInt32BE(f.headLen ?? HEAD_LEN, 0)
  out.writeUInt32BE(f.version ?? PROTOCOL_VERSION, 4)
  out.writeUInt32BE(f.cmd >>> 0, 8)
  out.writeUInt32BE(f.seq >>> 0, 12)
  out.writeUInt32BE((f.bodyLen ?? body.length) >>> 0, 16)
  body.copy(out, HEAD_LEN)
  return f.truncate !== undefined ? out.subarray(0, f.truncate) : out
}

/** The writes of a tcp input: the frames' bytes end to end, cut at `cuts`. */
export function streamWrites(input: FuzzInput, vars: {token: string; peer: string}): Buffer[] {
  const all = Buffer.concat(input.frames.map((f) => frameBytes(f, vars)))
  const at = [0, ...(input.cuts ?? []).filter((c) => c > 0 && c < all.length).sort((a, b) => a - b), all.length]
  return at.slice(1).map((end, i) => all.subarray(at[i]!, end)).filter((b) => b.length > 0)
}

const CMDS = [CMD.NOOP, CMD.SYNC, CMD.SEND_MSG, CMD.AUTH, CMD.SYNC_NOTIFY, CMD.ERROR, 100, 101, 102, 104, 200, 201, 210, 220, 221, 222, 7, 99, 9999, 0, 0xffff_ffff]

/** Random inputs from a seeded generator (`rand` in [0, 1)). */
export class FuzzGenerator {
  constructor(private readonly rand: () => number, private readonly maxBodyBytes: number) {}

  private int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!
  }

  private text(): string {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', '{', '}', 'é', '你', '😀', '\u0000', '\n']
    return Array.from({length: this.int(40)}, () => this.pick(alphabet)).join('')
  }

  private body(cmd: number): Pick<Extract<FuzzFrame, {cmd: number}>, 'body' | 'hex'> {
    const r = this.rand()
    if (r < 0.5) {
      if (cmd === CMD.SEND_MSG) return {body: JSON.stringify({clientMsgId: `c${this.int(50)}`, to: this.rand() < 0.8 ? '$PEER' : this.text(), type: 'text', content: this.text()})}
      if (cmd === CMD.SYNC) return {body: JSON.stringify({syncKey: {epoch: this.pick([0, 1, -1]), seq: this.pick([0, 5, 1e12])}, ...(this.rand() < 0.3 ? {limit: this.pick([0, 1, 5000])} : {})})}
      if (cmd === CMD.AUTH) return {body: JSON.stringify({token: this.rand() < 0.7 ? '$TOKEN' : this.text()})}
      return {body: JSON.stringify({lat: this.rand() * 200 - 100, lon: this.rand() * 400 - 200, content: this.text()})}
    }
    if (r < 0.65) return {body: ''}
    if (r < 0.8) return {body: this.pick(['{', 'null', '[]', '"x"', '{"token":5}', '{"syncKey":null}', this.text()])}
    // Bytes that need not be UTF-8.
    return {hex: Buffer.from(Array.from({length: this.int(64)}, () => this.int(256))).toString('hex')}
  }

  /** One frame, valid most of the time. */
  private frame(seq: number, last: boolean): FuzzFrame {
    const r = this.rand()
    const cmd = this.rand() < 0.7 ? this.pick([CMD.NOOP, CMD.SYNC, CMD.SEND_MSG, CMD.NOOP]) : this.pick(CMDS)
    const f: FuzzFrame = {cmd, seq, ...(cmd === CMD.NOOP && this.rand() < 0.7 ? {} : this.body(cmd))}
    if (r < 0.88) return f
    if (r < 0.9) return {...f, headLen: this.pick([0, 19, 21, 0xffff_ffff])}
    if (r < 0.92) return {...f, version: this.pick([0, 2, 0xffff_ffff])}
    if (r < 0.94) return {...f, bodyLen: this.maxBodyBytes + 1 + this.int(3) * 1e6}
    // A header whose length field says more or less than follows (ws: a length mismatch).
    if (r < 0.96) return {...f, bodyLen: this.int(64)}
    if (r < 0.98 && last) return {...f, truncate: this.int(HEAD_LEN + 8)}
    return {raw: Buffer.from(Array.from({length: 1 + this.int(48)}, () => this.int(256))).toString('hex')}
  }

  /** An input of up to `maxFrames` frames, AUTH first most of the time. */
  input(transport: 'tcp' | 'ws', maxFrames = 12): FuzzInput {
    const n = 1 + this.int(maxFrames)
    const frames: FuzzFrame[] = []
    let seq = 1
    if (this.rand() < 0.85) frames.push({cmd: CMD.AUTH, seq: seq++, body: JSON.stringify({token: this.rand() < 0.9 ? '$TOKEN' : `tk_${this.text()}`})})
    for (let i = 0; i < n; i++) frames.push(this.frame(seq++, i === n - 1))
    if (transport === 'ws') {
      const text = frames.flatMap((_, i) => (this.rand() < 0.03 ? [i] : []))
      return {transport, frames, ...(text.length > 0 ? {text} : {})}
    }
    // Random cuts: as many as bytes sometimes (a trickle), none sometimes (all coalesced).
    const total = frames.reduce((a, f) => a + frameBytes(f, {token: 'x'.repeat(40), peer: 'u1'}).length, 0)
    const density = this.pick([0, 0.01, 0.05, 0.3, 1])
    const cuts = Array.from({length: Math.round(total * density)}, () => 1 + this.int(Math.max(1, total - 1)))
    return {transport, frames, cuts}
  }
}
