import {CMD, type Frame, HEAD_LEN, PUSH_SEQ, cmdName, encodeFrame, isStreamAddress, parseJsonBody} from '../../protocol/index.js'
import type {CaseContext, TestUser} from '../context.js'
import {check} from '../expect.js'
import {CaseFailure, NotApplicable} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {RawStream} from './stream-util.js'

/**
 * The stream-only cases (PROTOCOL.md §4.2): what a byte stream brings that a WebSocket library
 * hides — frames split across reads, several in one read, a peer that trickles, a header whose
 * body never comes, bytes after a fatal error. They apply when the long group lists a tcp:// or
 * tls:// address; a target that offers only WebSocket makes them not applicable.
 */

/** The first stream address of the long group, or not applicable. */
function streamUrl(ctx: CaseContext): string {
  const url = ctx.answer.groups.long.find(isStreamAddress)
  if (!url) throw new NotApplicable('the long group lists no tcp:// or tls:// address: the target offers the long link over WebSocket only, and the stream-only cases do not apply (§4.2)')
  return url
}

/** A raw stream to the target, closed when the case ends. */
async function open(ctx: CaseContext): Promise<RawStream> {
  const s = await RawStream.connect(streamUrl(ctx), {ca: ctx.target.ca, rejectUnauthorized: ctx.target.rejectUnauthorized, timeoutMs: ctx.ms(5000)})
  ctx.onCleanup(() => s.destroy())
  return s
}

function codeOf(f: Frame): string {
  try {
    return String((parseJsonBody(f.body) as {code?: unknown}).code)
  } catch {
    return '(an ERROR whose body is not JSON)'
  }
}

/** The reply to `seq`, or a failure saying what came instead. */
async function reply(ctx: CaseContext, s: RawStream, seq: number, cmd: number, what: string, timeoutMs = ctx.ms(5000)): Promise<Frame> {
  const f = await s.find((x) => x.seq === seq, timeoutMs)
  if (!f) throw new CaseFailure(`${what}: no reply to seq ${seq} within ${timeoutMs} ms${s.closed ? ' (the server closed the link)' : ''}; the server sent ${s.summary()}`)
  check(f.cmd === cmd, `${what}: seq ${seq} was answered ${cmdName(f.cmd)}${f.cmd === CMD.ERROR ? ` ${codeOf(f)}` : ''}, expected ${cmdName(cmd)}; the server sent ${s.summary()}`)
  return f
}

/** A fresh user and a stream that has sent nothing yet. */
async function unauthed(ctx: CaseContext): Promise<{s: RawStream; user: TestUser}> {
  const user = await ctx.newUser()
  return {user, s: await open(ctx)}
}

/** A stream whose AUTH (sent whole) was answered; the next seq is 2. */
async function authed(ctx: CaseContext, user?: TestUser): Promise<{s: RawStream; user: TestUser}> {
  const u = user ?? (await ctx.newUser())
  const s = await open(ctx)
  s.write(encodeFrame(CMD.AUTH, 1, {token: u.token}))
  await reply(ctx, s, 1, CMD.AUTH, 'AUTH sent whole')
  return {s, user: u}
}

/** Piece sizes that cut `length` bytes at each of `cuts` (offsets), in order. */
function cutAt(length: number, cuts: readonly number[]): number[] {
  const at = [0, ...cuts.filter((c) => c > 0 && c < length), length]
  return at.slice(1).map((end, i) => end - at[i]!)
}

/** The fatal error push (seq 0) with `code`, then the close: what §4.5 asks after a fatal error. */
async function expectFatal(ctx: CaseContext, s: RawStream, codes: readonly string[], what: string, timeoutMs: number): Promise<Frame> {
  const err = await s.find((f) => f.cmd === CMD.ERROR && f.seq === PUSH_SEQ, timeoutMs)
  if (!err) throw new CaseFailure(`${what}: expected an ERROR push ${codes.join(' or ')} within ${timeoutMs} ms${s.closed ? '; the server closed the link without it' : ''}; the server sent ${s.summary()}`)
  check(codes.includes(codeOf(err)), `${what}: the ERROR push was ${codeOf(err)}, expected ${codes.join(' or ')}`)
  check(await s.waitClose(ctx.ms(5000)), `${what}: the server sent ${codeOf(err)} but did not close the connection within ${ctx.ms(5000)} ms (the error is fatal, §4.5)`)
  return err
}

export const streamCases: readonly CaseDefinition[] = [
  {
    id: 'stream.split-header',
    section: '4.2',
    level: 'MUST',
    requirement: 'a stream link: a frame whose 20-byte header comes in several reads is served as if it came whole',
    async run(ctx) {
      const {user, s} = await unauthed(ctx)
      const auth = encodeFrame(CMD.AUTH, 1, {token: user.token})
      // Cut inside the length field's own bytes and before it: a reader must wait for all 20.
      await s.writeSplit(auth, cutAt(auth.length, [1, 9, 17, HEAD_LEN]), ctx.ms(30))
      await reply(ctx, s, 1, CMD.AUTH, 'an AUTH whose header came in 4 pieces')
      const noop = encodeFrame(CMD.NOOP, 2)
      await s.writeSplit(noop, [HEAD_LEN - 1, 1], ctx.ms(30))
      await reply(ctx, s, 2, CMD.NOOP, 'a NOOP whose header came as 19 bytes then 1')
    },
  },
  {
    id: 'stream.split-body',
    section: '4.2',
    level: 'MUST',
    requirement: 'a stream link: a frame whose body comes in several reads, cut inside a UTF-8 character, is served as if it came whole',
    async run(ctx) {
      const {s} = await authed(ctx)
      const to = await ctx.newUser('to')
      const frame = encodeFrame(CMD.SEND_MSG, 2, {clientMsgId: ctx.uniqueName('m'), to: to.userId, type: 'text', content: 'split body: héllo 你好'})
      const first = frame.indexOf(Buffer.from('你'))
      await s.writeSplit(frame, cutAt(frame.length, [HEAD_LEN, HEAD_LEN + 5, first + 1, first + 2, frame.length - 1]), ctx.ms(30))
      const r = await reply(ctx, s, 2, CMD.SEND_MSG, 'a SEND_MSG whose body came in 5 pieces')
      check(typeof (parseJsonBody(r.body) as {serverMsgId?: unknown}).serverMsgId === 'string', `a SEND_MSG whose body came in pieces: the reply has no serverMsgId (${r.body.toString('utf8')})`)
    },
  },
  {
    id: 'stream.many-frames-one-write',
    section: '4.2',
    level: 'MUST',
    requirement: 'a stream link: many frames in one write are each served, in order',
    async run(ctx) {
      const {user, s} = await unauthed(ctx)
      const frames = [encodeFrame(CMD.AUTH, 1, {token: user.token})]
      for (let seq = 2; seq <= 51; seq++) frames.push(encodeFrame(CMD.NOOP, seq))
      frames.push(encodeFrame(CMD.SYNC, 52, {syncKey: {epoch: 0, seq: 0}}))
      s.write(Buffer.concat(frames))
      await reply(ctx, s, 52, CMD.SYNC, 'AUTH, 50 NOOPs and a SYNC in one write')
      const answered = s.frames.filter((f) => f.seq !== PUSH_SEQ).map((f) => f.seq)
      check(answered.length === 52 && answered.every((seq, i) => seq === i + 1), `AUTH, 50 NOOPs and a SYNC in one write: replies came for seqs ${answered.join(', ')}; expected 1 to 52 in order (§5.6)`)
    },
  },
  {
    id: 'stream.body-never-arrives',
    section: '4.2',
    level: 'MUST',
    waits: 'frameTimeoutMs',
    requirement: 'a stream link: a header whose body never completes is answered, from frameTimeoutMs to 2 × frameTimeoutMs after its first byte, with an ERROR push IMH_ERR_FRAME_TIMEOUT, then the close',
    async run(ctx) {
      const {frameTimeoutMs, idleTimeoutMs} = ctx.limits
      const deadline = 2 * frameTimeoutMs + ctx.ms(500)
      ctx.needWait('frameTimeoutMs', frameTimeoutMs, deadline)
      const {s} = await authed(ctx)
      const t0 = performance.now()
      // A header announcing 100 bytes and 10 of them.
      s.write(encodeFrame(CMD.SEND_MSG, 2, Buffer.alloc(100, 0x20)).subarray(0, HEAD_LEN + 10))
      // A server whose idle timeout falls inside the frame time-out's window may end the link for idleness first (§5.4).
      const codes = idleTimeoutMs <= 2 * frameTimeoutMs ? ['IMH_ERR_FRAME_TIMEOUT', 'IMH_ERR_IDLE_TIMEOUT'] : ['IMH_ERR_FRAME_TIMEOUT']
      const err = await expectFatal(ctx, s, codes, 'a header announcing 100 bytes followed by 10', deadline)
      const after = Math.round(performance.now() - t0)
      // A little under: the server's clock starts when the bytes reach it, ours when they leave.
      check(codeOf(err) !== 'IMH_ERR_FRAME_TIMEOUT' || after >= frameTimeoutMs - 50, `a header announcing 100 bytes followed by 10: IMH_ERR_FRAME_TIMEOUT came after ${after} ms, before the announced frameTimeoutMs of ${frameTimeoutMs} ms`)
      check(!s.frames.some((f) => f.seq === 2), 'the incomplete SEND_MSG was answered: a partial frame must never be processed')
    },
  },
  {
    id: 'stream.slow-trickle',
    section: '4.2',
    level: 'MUST',
    waits: 'frameTimeoutMs',
    requirement: 'a stream link: frames trickled a few bytes at a time, each complete within frameTimeoutMs of its first byte, are served though the trickle lasts longer',
    async run(ctx) {
      const {frameTimeoutMs, idleTimeoutMs} = ctx.limits
      // Two NOOPs over 1.08 × frameTimeoutMs, the second begun in the piece that ends the first:
      // each takes about 0.6 ×, so the time-out must run from each frame's first byte. A shorter
      // idle timeout sets the pace instead, since a frame counts for it only once whole (§5.4).
      const span = Math.min(frameTimeoutMs, idleTimeoutMs)
      const gap = Math.round(span * 0.12)
      ctx.needWait('frameTimeoutMs', frameTimeoutMs, gap * 9)
      const {s} = await authed(ctx)
      const two = Buffer.concat([encodeFrame(CMD.NOOP, 2), encodeFrame(CMD.NOOP, 3)])
      await s.writeSplit(two, [3, 4, 4, 4, 4, 4, 4, 4, 4, 5], gap)
      const what = `two NOOPs trickled in 10 pieces ${gap} ms apart`
      await reply(ctx, s, 2, CMD.NOOP, what)
      await reply(ctx, s, 3, CMD.NOOP, what)
      check(!s.closed, `${what}: the server closed the link after answering (the server sent ${s.summary()})`)
    },
  },
  {
    id: 'stream.garbage-after-fatal',
    section: '4.5',
    level: 'MUST',
    requirement: 'a stream link: after a framing error the server processes nothing more of the stream, however it goes on, and closes',
    async run(ctx) {
      const {s} = await authed(ctx)
      const bad = encodeFrame(CMD.NOOP, 3)
      bad.writeUInt32BE(2, 4)
      // Valid frames right after the bad header: a server that skips ahead to resynchronise serves them.
      s.write(Buffer.concat([encodeFrame(CMD.NOOP, 2), bad, encodeFrame(CMD.NOOP, 4), Buffer.from('garbage \x00\xff'), encodeFrame(CMD.NOOP, 5)]))
      await reply(ctx, s, 2, CMD.NOOP, 'the NOOP before a header with version 2')
      await s.until(() => s.frames.some((f) => f.cmd === CMD.ERROR), ctx.ms(5000))
      const late = s.frames.filter((f) => f.seq === 4 || f.seq === 5)
      check(late.length === 0, `after a header with version 2 the server answered ${late.map((f) => `${cmdName(f.cmd)} seq ${f.seq}`).join(', ')}: it must process nothing after a fatal error (§4.5)`)
      await expectFatal(ctx, s, ['IMH_ERR_BAD_VERSION'], 'a header with version 2 followed by frames and garbage', ctx.ms(5000))
    },
  },
]
