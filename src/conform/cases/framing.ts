import type {LongLink} from '../../client/long-link.js'
import {CMD, ERRORS, type ErrorCode, HEAD_LEN, PROTOCOL_VERSION, type ChatMessage, closeCodeFor, cmdName} from '../../protocol/index.js'
import {type CaseContext, waitFor} from '../context.js'
import {check, checkAlive, checkEqual, checkErrorBody} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {checkNamesField} from './field-name.js'
import {FrameLog, describeFrame, expectNoopEcho, recordedLink, sendExpectingError} from './util.js'

interface Header {
  headLen?: number
  version?: number
  cmd?: number
  seq?: number
  /** Default: the length of `body`. */
  bodyLen?: number
}

/** One frame as bytes, with every header field settable, so that it can be wrong on purpose. */
function rawFrame(h: Header, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  const out = Buffer.alloc(HEAD_LEN + bytes.length)
  out.writeUInt32BE(h.headLen ?? HEAD_LEN, 0)
  out.writeUInt32BE(h.version ?? PROTOCOL_VERSION, 4)
  out.writeUInt32BE(h.cmd ?? CMD.NOOP, 8)
  out.writeUInt32BE(h.seq ?? 1, 12)
  out.writeUInt32BE(h.bodyLen ?? bytes.length, 16)
  bytes.copy(out, HEAD_LEN)
  return out
}

/** RFC 6455 close code "Message Too Big": a WebSocket layer refusing a message over its limit. */
const WS_MESSAGE_TOO_BIG = 1009

/** A JSON object of exactly `size` bytes. */
function jsonOfSize(size: number): Buffer {
  const core = '{"pad":""}'
  return Buffer.from(`{"pad":"${'x'.repeat(Math.max(0, size - core.length))}"}`)
}

/**
 * Sends `bad` and right behind it a NOOP probe, then expects what §4.5 demands of a fatal
 * framing error: an ERROR push (seq 0) with `code` and its ret, a close with 4000 + ret mod 1000,
 * and no answer to the probe.
 */
async function sendAndExpectFatal(ctx: CaseContext, link: LongLink, rec: FrameLog, bad: Buffer | string, code: ErrorCode, what: string, overMessageLimit = false): Promise<void> {
  link.sendRaw(bad, what)
  const probe = link.nextSeq()
  link.sendFrame(CMD.NOOP, probe)
  const ret = ERRORS[code].ret
  const unanswered = () => {
    const late = rec.frames.find((e) => e.frame.seq === probe)?.frame
    check(!late, `${what}: the server answered the NOOP sent after the bad frame (${late ? describeFrame(late) : ''}); after a fatal error it must process no later frame`)
  }
  if (overMessageLimit) {
    // §4.2: a message beyond the server's own WebSocket message limit MAY be refused by the
    // WebSocket layer, close 1009 without an ERROR; either way no later frame is processed.
    const first = await rec.find((f) => f.cmd === CMD.ERROR, ctx.ms(5000))
    if (!first && link.closed?.code === WS_MESSAGE_TOO_BIG) return unanswered()
  }
  const expected = overMessageLimit ? `an ERROR push ${code} (or a close ${WS_MESSAGE_TOO_BIG} with no ERROR)` : `an ERROR push ${code}`
  const err = await rec.next((f) => f.cmd === CMD.ERROR, ctx.ms(5000), `${what}: expected ${expected}`)
  const body = checkErrorBody(err, code, what)
  checkEqual(body.ret, ret, `${what}: ERROR ret`)
  check(err.seq === 0, `${what}: the ERROR came with seq ${err.seq}; a framing error is answered by a push with seq 0 (§4.5). The server sent: ${rec.summary()}`)
  const limit = ctx.ms(5000)
  let info
  try {
    info = await link.waitClose(limit)
  } catch {
    throw new CaseFailure(`${what}: the server sent ${code} but did not close the link within ${limit} ms (a framing error is fatal). The server sent: ${rec.summary()}`)
  }
  checkEqual(info.code, closeCodeFor(ret), `${what}: close code after ${code}`)
  unanswered()
}

async function fatalCase(ctx: CaseContext, bad: (seq: number) => Buffer | string, code: ErrorCode, what: string, authed = true, overMessageLimit = false): Promise<void> {
  const {link, rec} = await recordedLink(ctx, authed)
  await sendAndExpectFatal(ctx, link, rec, bad(link.nextSeq()), code, what, overMessageLimit)
}

/** A non-fatal error leaves the link open and serving. */
async function expectStillOpen(ctx: CaseContext, link: LongLink, rec: FrameLog, what: string): Promise<void> {
  check(!link.closed, `${what}: the link was closed after a non-fatal error. The server sent: ${rec.summary()}`)
  await checkAlive(link, ctx.ms(5000), `${what} (a non-fatal error)`)
}

export const framingCases: readonly CaseDefinition[] = [
  {
    id: 'frame.too-short',
    section: '4.1',
    level: 'MUST',
    requirement: 'a message shorter than the 20-byte header: ERROR push IMH_ERR_FRAME_TOO_SHORT, close 4400',
    async run(ctx) {
      // On a stream the 19 bytes are the start of a header that the next bytes complete.
      ctx.needWebSocket('a message shorter than a header')
      await fatalCase(ctx, (seq) => rawFrame({seq}).subarray(0, HEAD_LEN - 1), 'IMH_ERR_FRAME_TOO_SHORT', 'a 19-byte message')
      await fatalCase(ctx, () => Buffer.alloc(0), 'IMH_ERR_FRAME_TOO_SHORT', 'an empty binary message')
    },
  },
  {
    id: 'frame.bad-head-len',
    section: '4.1',
    level: 'MUST',
    requirement: 'a headLen other than 20: ERROR push IMH_ERR_BAD_HEAD_LEN, close 4400',
    async run(ctx) {
      await fatalCase(ctx, (seq) => rawFrame({seq, headLen: 24}), 'IMH_ERR_BAD_HEAD_LEN', 'a NOOP with headLen 24')
    },
  },
  {
    id: 'frame.bad-version',
    section: '4.1',
    level: 'MUST',
    requirement: 'a version other than 1: ERROR push IMH_ERR_BAD_VERSION, close 4400',
    async run(ctx) {
      await fatalCase(ctx, (seq) => rawFrame({seq, version: 2}), 'IMH_ERR_BAD_VERSION', 'a NOOP with version 2')
    },
  },
  {
    id: 'frame.oversize-header',
    section: '4.1',
    level: 'MUST',
    requirement: 'a 20-byte message whose header declares bodyLen = maxBodyBytes + 1: ERROR push IMH_ERR_FRAME_TOO_LARGE, close 4413 (the check is on the declared bodyLen)',
    async run(ctx) {
      const max = ctx.limits.maxBodyBytes
      // No body follows: the header alone must be refused, before any length check.
      await fatalCase(ctx, (seq) => rawFrame({seq, cmd: CMD.SEND_MSG, bodyLen: max + 1}), 'IMH_ERR_FRAME_TOO_LARGE', `a header declaring bodyLen ${max + 1} (limit ${max}) with no body`)
    },
  },
  {
    id: 'frame.oversize-body',
    section: '4.1',
    level: 'MUST',
    requirement: 'a frame whose body is maxBodyBytes + 1 bytes: ERROR push IMH_ERR_FRAME_TOO_LARGE and close 4413, or (over the server\'s WebSocket message limit) close 1009; no later frame processed',
    async run(ctx) {
      const max = ctx.limits.maxBodyBytes
      await fatalCase(ctx, (seq) => rawFrame({seq, cmd: CMD.NOOP}, jsonOfSize(max + 1)), 'IMH_ERR_FRAME_TOO_LARGE', `a NOOP with a ${max + 1}-byte body (limit ${max})`, true, true)
    },
  },
  {
    id: 'frame.max-body',
    section: '4.2',
    level: 'MUST',
    requirement: 'a frame with a body of exactly maxBodyBytes is accepted (WebSocket message limit ≥ 20 + maxBodyBytes)',
    async run(ctx) {
      const max = ctx.limits.maxBodyBytes
      const {link, rec} = await recordedLink(ctx)
      const seq = link.nextSeq()
      link.sendRaw(rawFrame({seq, cmd: CMD.NOOP}, jsonOfSize(max)), 'NOOP with a body of maxBodyBytes')
      const what = `a NOOP with a ${max}-byte body (exactly the limit${ctx.limits.announced ? ' announced' : ', spec default'})`
      await expectNoopEcho(rec, seq, ctx.ms(10_000), what)
    },
  },
  {
    id: 'frame.length-mismatch',
    section: '4.1',
    level: 'MUST',
    requirement: 'a frame whose length is not 20 + bodyLen: ERROR push IMH_ERR_LENGTH_MISMATCH, close 4400',
    async run(ctx) {
      // On a stream a body is the bodyLen bytes after the header, whatever follows.
      ctx.needWebSocket('a message whose length is not 20 + bodyLen')
      await fatalCase(ctx, (seq) => rawFrame({seq, cmd: CMD.SYNC, bodyLen: 40}, '{"syncKey":'), 'IMH_ERR_LENGTH_MISMATCH', 'a SYNC declaring bodyLen 40 followed by 11 bytes')
      await fatalCase(ctx, (seq) => rawFrame({seq, cmd: CMD.NOOP, bodyLen: 0}, '{}'), 'IMH_ERR_LENGTH_MISMATCH', 'a NOOP declaring bodyLen 0 followed by 2 bytes')
    },
  },
  {
    id: 'frame.check-order',
    section: '4.1',
    level: 'MUST',
    requirement: 'header checks run in the order too-short, headLen, version, too-large, length; the first failure is answered',
    async run(ctx) {
      const max = ctx.limits.maxBodyBytes
      await fatalCase(ctx, (seq) => rawFrame({seq, headLen: 16, version: 9, bodyLen: max + 1}), 'IMH_ERR_BAD_HEAD_LEN', 'a header with headLen 16, version 9 and bodyLen over the limit')
      await fatalCase(ctx, (seq) => rawFrame({seq, version: 9, bodyLen: max + 1}), 'IMH_ERR_BAD_VERSION', 'a header with version 9 and bodyLen over the limit')
      await fatalCase(ctx, (seq) => rawFrame({seq, version: 0, bodyLen: 7}), 'IMH_ERR_BAD_VERSION', 'a header with version 0 and bodyLen 7 but no body')
    },
  },
  {
    id: 'frame.before-auth',
    section: '4.3',
    level: 'MUST',
    requirement: 'framing is checked before session state: a bad frame before AUTH is a framing error, not IMH_ERR_NOT_AUTHENTICATED',
    async run(ctx) {
      await fatalCase(ctx, (seq) => rawFrame({seq, cmd: CMD.AUTH, version: 2}, '{"token":"x"}'), 'IMH_ERR_BAD_VERSION', 'an AUTH with version 2 as the first frame', false)
    },
  },
  {
    id: 'frame.text-message',
    section: '4.2',
    level: 'MUST',
    requirement: 'a WebSocket text message: ERROR push IMH_ERR_TEXT_MESSAGE, close 4400',
    async run(ctx) {
      ctx.needWebSocket('a text message')
      await fatalCase(ctx, () => '{"cmd":6,"seq":2}', 'IMH_ERR_TEXT_MESSAGE', 'a text message')
    },
  },
  {
    id: 'frame.server-header',
    section: '4.1',
    level: 'MUST',
    requirement: 'frames from the server are binary messages with headLen 20, version 1 and bodyLen matching the body',
    async run(ctx) {
      const user = await ctx.newUser()
      const link = await ctx.link()
      const problems: string[] = []
      let count = 0
      // A stream's frames are checked by the link's decoder: a bad header is a 'bad-frame' (and the
      // end of the stream), a wrong bodyLen shifts every later frame, so the replies awaited below
      // would not come.
      const stream = link.transportKind !== 'ws'
      if (stream) link.on('bad-frame', (err) => void problems.push(err.message))
      else link.ws.on('message', (raw, isBinary) => {
        const data = raw as Buffer
        count++
        if (!isBinary) return void problems.push(`a text message ${JSON.stringify(data.toString('utf8').slice(0, 80))}`)
        if (data.length < HEAD_LEN) return void problems.push(`a ${data.length}-byte message`)
        const headLen = data.readUInt32BE(0)
        const version = data.readUInt32BE(4)
        const cmd = data.readUInt32BE(8)
        const bodyLen = data.readUInt32BE(16)
        if (headLen !== HEAD_LEN) problems.push(`${cmdName(cmd)} with headLen ${headLen}`)
        if (version !== PROTOCOL_VERSION) problems.push(`${cmdName(cmd)} with version ${version}`)
        if (bodyLen !== data.length - HEAD_LEN) problems.push(`${cmdName(cmd)} with bodyLen ${bodyLen} but ${data.length - HEAD_LEN} body bytes`)
      })
      await link.request(CMD.AUTH, {token: user.token})
      await link.request(CMD.NOOP)
      await link.request(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}})
      const rec = new FrameLog(link)
      await sendExpectingError(ctx, link, rec, 999, {}, 'IMH_ERR_UNKNOWN_CMD', 'cmd 999')
      check(stream || count >= 4, `expected 4 frames from the server (AUTH, NOOP, SYNC, ERROR replies), saw ${count}`)
      check(problems.length === 0, `the server sent ${problems.join('; ')}`)
    },
  },
  {
    id: 'frame.bad-json',
    section: '4.5',
    level: 'MUST',
    requirement: 'a body that is not UTF-8 JSON gets an ERROR reply IMH_ERR_BAD_JSON echoing the seq; the link stays open',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      await sendExpectingError(ctx, link, rec, CMD.SEND_MSG, '{"clientMsgId": "c1", "to":', 'IMH_ERR_BAD_JSON', 'SEND_MSG with truncated JSON')
      await expectStillOpen(ctx, link, rec, 'after SEND_MSG with truncated JSON')
      const notUtf8 = Buffer.concat([Buffer.from('{"syncKey":{"epoch":0,"seq":0},"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
      await sendExpectingError(ctx, link, rec, CMD.SYNC, notUtf8, 'IMH_ERR_BAD_JSON', 'SYNC whose body holds the bytes FF FE (not UTF-8)')
      await expectStillOpen(ctx, link, rec, 'after SYNC with a body that is not UTF-8')
    },
  },
  {
    id: 'frame.unknown-cmd',
    section: '4.3',
    level: 'MUST',
    requirement: 'an unknown cmd gets an ERROR reply IMH_ERR_UNKNOWN_CMD echoing the seq; the link stays open',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      await sendExpectingError(ctx, link, rec, 999, {}, 'IMH_ERR_UNKNOWN_CMD', 'cmd 999')
      await sendExpectingError(ctx, link, rec, 150, {}, 'IMH_ERR_UNKNOWN_CMD', 'cmd 150 (reserved for real-time talk, not in version 1)')
      // cmd is checked before the JSON (§4.3).
      await sendExpectingError(ctx, link, rec, 999, 'not json', 'IMH_ERR_UNKNOWN_CMD', 'cmd 999 with a body that is not JSON')
      await expectStillOpen(ctx, link, rec, 'after unknown cmds')
    },
  },
  {
    id: 'frame.server-only-cmd',
    section: '4.3',
    level: 'SHOULD',
    requirement: 'a client frame with a server-only cmd (SYNC_NOTIFY, ERROR) gets IMH_ERR_UNKNOWN_CMD; the link stays open',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      await sendExpectingError(ctx, link, rec, CMD.SYNC_NOTIFY, undefined, 'IMH_ERR_UNKNOWN_CMD', 'SYNC_NOTIFY sent by the client')
      await sendExpectingError(ctx, link, rec, CMD.ERROR, {ret: 400, code: 'IMH_ERR_BAD_BODY', errMsg: 'from the client'}, 'IMH_ERR_UNKNOWN_CMD', 'ERROR sent by the client')
      await expectStillOpen(ctx, link, rec, 'after server-only cmds')
    },
  },
  {
    id: 'frame.bad-body',
    section: '6.2',
    level: 'MUST',
    requirement: 'SEND_MSG with a missing or wrongly typed field gets IMH_ERR_BAD_BODY naming the field; the link stays open',
    async run(ctx) {
      const [{link, rec}, peer] = await Promise.all([recordedLink(ctx), ctx.newUser('peer')])
      const full = {clientMsgId: `c-${ctx.uniqueName('m')}`, to: peer.userId, type: 'text', content: 'hello'}
      const tries: [object, string, string][] = [
        [{clientMsgId: full.clientMsgId, to: full.to, type: full.type}, 'content', 'SEND_MSG without content'],
        [{...full, to: 42}, 'to', 'SEND_MSG with a numeric to'],
        [{...full, type: 'imh-unknown-type'}, 'type', 'SEND_MSG with an unknown type'],
        [{...full, clientMsgId: ''}, 'clientMsgId', 'SEND_MSG with an empty clientMsgId'],
      ]
      for (const [body, field, what] of tries) {
        const err = await sendExpectingError(ctx, link, rec, CMD.SEND_MSG, body, 'IMH_ERR_BAD_BODY', what)
        checkNamesField(err.errMsg, field, what)
      }
      await sendExpectingError(ctx, link, rec, CMD.SEND_MSG, '[]', 'IMH_ERR_BAD_BODY', 'SEND_MSG whose body is a JSON array')
      await expectStillOpen(ctx, link, rec, 'after SEND_MSG with bad bodies')
    },
  },
  {
    id: 'frame.seq-echo',
    section: '4.4',
    level: 'MUST',
    requirement: 'replies echo the request seq, whatever it is (7, 1000, 2^32−1); no frame is rejected for its seq',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      const sent: [number, number, string][] = [[7, CMD.NOOP, 'NOOP seq 7'], [1000, CMD.SYNC, 'SYNC seq 1000'], [0xffff_ffff, CMD.NOOP, 'NOOP seq 4294967295']]
      for (const [seq, cmd] of sent) link.sendFrame(cmd, seq, cmd === CMD.SYNC ? {syncKey: {epoch: 0, seq: 0}} : undefined)
      for (const [seq, cmd, what] of sent) {
        const reply = await rec.next((f) => f.seq === seq, ctx.ms(5000), `${what}: expected a ${cmdName(cmd)} reply with seq ${seq}`)
        check(reply.cmd === cmd, `${what}: expected a ${cmdName(cmd)} reply, got ${describeFrame(reply)}`)
      }
    },
  },
  {
    id: 'frame.empty-body',
    section: '4.1',
    level: 'MUST',
    requirement: 'bodyLen 0 is allowed and reads as {}: NOOP is answered with bodyLen 0; SYNC with no body is IMH_ERR_BAD_BODY, not BAD_JSON',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      const seq = link.nextSeq()
      link.sendRaw(rawFrame({seq, cmd: CMD.NOOP, bodyLen: 0}), 'NOOP bodyLen 0')
      await expectNoopEcho(rec, seq, ctx.ms(5000), 'NOOP with bodyLen 0')
      await sendExpectingError(ctx, link, rec, CMD.SYNC, undefined, 'IMH_ERR_BAD_BODY', 'SYNC with an empty body (reads as {}, so syncKey is missing)')
      await expectStillOpen(ctx, link, rec, 'after SYNC with an empty body')
    },
  },
  {
    id: 'frame.noop-body',
    section: '4.3',
    level: 'MUST',
    requirement: 'a NOOP\'s body is not checked: NOOP with a body that is not JSON is answered NOOP with an empty body',
    async run(ctx) {
      const {link, rec} = await recordedLink(ctx)
      const seq = link.nextSeq()
      link.sendFrame(CMD.NOOP, seq, Buffer.from([0x6e, 0x6f, 0x74, 0x20, 0x6a, 0x73, 0x6f, 0x6e, 0xff]))
      const what = 'NOOP with the body "not json\\xff"'
      await expectNoopEcho(rec, seq, ctx.ms(5000), what)
    },
  },
  {
    id: 'frame.isolation',
    section: '4.5',
    level: 'MUST',
    requirement: 'while other connections send garbage and are closed, an authenticated link keeps answering heartbeats and a message between two users is delivered',
    async run(ctx) {
      const [b, c] = await Promise.all([ctx.client(undefined, {heartbeat: false}), ctx.client(undefined, {heartbeat: false})])
      const clientErrors: string[] = []
      for (const v of [b, c]) v.on('error', (err) => clientErrors.push(err.message))
      const got: ChatMessage[] = []
      c.on('message', (m) => got.push(m))
      const max = ctx.limits.maxBodyBytes
      const garbage: [boolean, Buffer | string][] = [
        [true, rawFrame({version: 7})],
        [true, rawFrame({bodyLen: max + 1})],
        [true, 'text, not a frame'],
        [false, Buffer.from([1, 2, 3])],
        [false, rawFrame({cmd: CMD.AUTH, bodyLen: 99}, '{}')],
      ]
      const bad = await Promise.all(garbage.map(([authed]) => recordedLink(ctx, authed)))
      // Garbage and good traffic interleaved: the garbage goes out first, the heartbeat right behind it.
      garbage.forEach(([, bytes], i) => bad[i]!.link.sendRaw(bytes, 'garbage'))
      // On a stream, garbage shorter than its frame waits for the rest (until the server's frame
      // time-out, longer than these clients may stay silent): the sender ends it instead, and
      // the server drops the partial frame at the close (PROTOCOL.md §4.2).
      if (b.link?.transportKind === 'tcp') for (const {link} of bad) link.close()
      const rtt = b.heartbeat()
      await Promise.all(bad.map(({link}) => link.waitClose(ctx.ms(5000)).catch(() => undefined)))
      try {
        await rtt
      } catch (err) {
        throw new CaseFailure(`a heartbeat on an unrelated link sent while other connections sent garbage was not answered: ${(err as Error).message}`)
      }
      const clientMsgId = `c-${ctx.uniqueName('iso')}`
      try {
        await b.sendText(c.userId!, 'delivered despite the garbage next door', clientMsgId)
      } catch (err) {
        throw new CaseFailure(`SEND_MSG between two unrelated users failed after other connections sent garbage: ${(err as Error).message}`)
      }
      await waitFor(() => got.some((m) => m.clientMsgId === clientMsgId), ctx.ms(5000), `the receiver did not get the message (notify then SYNC)${clientErrors.length ? `; client errors: ${clientErrors.join('; ')}` : ''}`)
      await checkAlive(b.link!, ctx.ms(5000), 'sender after the garbage')
      await checkAlive(c.link!, ctx.ms(5000), 'receiver after the garbage')
    },
  },
]
