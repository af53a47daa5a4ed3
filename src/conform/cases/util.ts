import {build} from 'hdr-histogram-js'
import type {LongLink} from '../../client/long-link.js'
import type {CaseContext, TestUser} from '../context.js'
import {CaseFailure} from '../failures.js'
import {CMD, type ChatMessage, ERRORS, type ErrorCode, type ErrorReply, type Frame, type SendMsgReply, type SyncKey, type SyncReply, closeCodeFor, cmdName, isImhError} from '../../protocol/index.js'
import {check, checkClosed, checkEqual, checkErrorBody} from '../expect.js'

/** One frame for a failure message: `ERROR seq 0 {"ret":…}`, `NOOP seq 3 (empty)`. */
export function describeFrame(f: Frame): string {
  const text = f.body.toString('utf8')
  const body = f.body.length === 0 ? '(empty)' : text.length > 120 ? `${text.slice(0, 120)}… (${f.body.length} bytes)` : text
  return `${cmdName(f.cmd)} seq ${f.seq} ${body}`
}

/**
 * Every frame a link received that answered no pending request: pushes, and the replies to frames
 * sent with `sendUnmatched` or `sendFrame`. Lets a case see exactly what the server sent, seq
 * included, and say so in its failure message.
 */
export class FrameLog {
  readonly frames: {frame: Frame; at: number}[] = []
  /** Messages from the server that were not frames at all. */
  readonly undecodable: string[] = []

  constructor(readonly link: LongLink) {
    link.on('push', (frame) => this.frames.push({frame, at: performance.now()}))
    link.on('bad-frame', (err) => this.undecodable.push(err.message))
  }

  count(cmd: number, from = 0): number {
    return this.frames.slice(from).filter((e) => e.frame.cmd === cmd).length
  }

  /** The first logged frame at index ≥ `from` that matches, waiting up to timeoutMs; undefined if none came. */
  async find(match: (f: Frame) => boolean, timeoutMs: number, from = 0): Promise<Frame | undefined> {
    const end = performance.now() + timeoutMs
    for (;;) {
      const hit = this.frames.slice(from).find((e) => match(e.frame))
      if (hit) return hit.frame
      // Nothing more can come once the link is closed.
      if (this.link.closed || performance.now() > end) return undefined
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  /** Like find, but fails the case, saying what the server sent instead. */
  async next(match: (f: Frame) => boolean, timeoutMs: number, what: string): Promise<Frame> {
    const frame = await this.find(match, timeoutMs)
    if (frame) return frame
    throw new CaseFailure(`${what}; ${this.link.closed ? 'the link closed without it' : `none within ${timeoutMs} ms`}. The server sent: ${this.summary()}`)
  }

  /** What arrived from index `from` on, and how the link ended, for a failure message. */
  summary(from = 0): string {
    const got = this.frames.slice(from).map((e) => describeFrame(e.frame))
    for (const m of this.undecodable) got.push(`an undecodable message (${m})`)
    const closed = this.link.closed
    if (closed) got.push(`close ${closed.code}${closed.reason ? ` "${closed.reason}"` : ''}`)
    return got.length === 0 ? 'nothing' : got.join('; ')
  }
}

/** A link authenticated as `as` (true: a fresh user; false: a bare, pre-AUTH link) with a recorder attached. */
export async function recordedLink(ctx: CaseContext, as: boolean | TestUser = true): Promise<{link: LongLink; rec: FrameLog}> {
  const link = as === false ? await ctx.link() : (await ctx.authedLink(as === true ? undefined : as)).link
  return {link, rec: new FrameLog(link)}
}

/**
 * How long to wait for a push on an authenticated link that sends nothing meanwhile: the scaled
 * limit, but at most half the idle time-out, so that the wait cannot end in IMH_ERR_IDLE_TIMEOUT.
 */
export function quietWait(ctx: CaseContext, ms: number): number {
  return Math.min(ctx.ms(ms), Math.max(50, Math.floor(ctx.limits.idleTimeoutMs / 2)))
}

/** Sends `cmd` with the link's next seq, without awaiting a reply: the reply lands in a FrameLog. */
export function sendUnmatched(link: LongLink, cmd: number, body?: unknown): number {
  const seq = link.nextSeq()
  link.sendFrame(cmd, seq, body)
  return seq
}

/** How the link ended, or that it is still open, for a failure message. */
export function linkState(link: LongLink): string {
  return link.closed ? `the link was closed with ${link.closed.code}${link.closed.reason ? ` (${link.closed.reason})` : ''}` : 'the link is still open'
}

/** p50/p99/max of samples in ms, through an HDR histogram at microsecond resolution. */
export function latencySummary(samplesMs: number[], what: string): string {
  const h = build({lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3})
  for (const ms of samplesMs) h.recordValue(Math.max(1, Math.round(ms * 1000)))
  const at = (p: number) => (h.getValueAtPercentile(p) / 1000).toFixed(2)
  const summary = `${what}: p50 ${at(50)} ms, p99 ${at(99)} ms, max ${(h.maxValue / 1000).toFixed(2)} ms (n=${h.totalCount})`
  h.destroy()
  return summary
}

/** A text SEND_MSG body. */
export function textMsg(to: string, content: string, clientMsgId: string): {clientMsgId: string; to: string; type: 'text'; content: string} {
  return {clientMsgId, to, type: 'text', content}
}

export function sendText(link: LongLink, to: string, content: string, clientMsgId: string): Promise<SendMsgReply> {
  return link.call<SendMsgReply>(CMD.SEND_MSG, textMsg(to, content, clientMsgId))
}

export function syncOnce(link: LongLink, syncKey: SyncKey, limit?: number): Promise<SyncReply> {
  return link.call<SyncReply>(CMD.SYNC, limit === undefined ? {syncKey} : {syncKey, limit})
}

export const NO_KEY: SyncKey = {epoch: 0, seq: 0}

/** SYNCs until `continue` is false; gives up after maxPages (a server that never ends a pull). */
export async function pullAll(link: LongLink, key: SyncKey, limit?: number, maxPages = 1000): Promise<{messages: ChatMessage[]; key: SyncKey; pages: SyncReply[]}> {
  const pages: SyncReply[] = []
  const messages: ChatMessage[] = []
  for (;;) {
    const page = await syncOnce(link, key, limit)
    pages.push(page)
    messages.push(...page.messages)
    key = page.syncKey
    if (!page.continue) return {messages, key, pages}
    if (pages.length >= maxPages) throw new CaseFailure(`SYNC still said continue after ${maxPages} pages`)
  }
}

/** `c-3 (seq 4)` lists for failure messages, cut after a few. */
export function describeMessages(ms: readonly ChatMessage[], max = 8): string {
  const shown = ms.slice(0, max).map((m) => `${m.clientMsgId} (seq ${m.seq})`).join(', ')
  return ms.length > max ? `${shown}, … (${ms.length} in all)` : ms.length === 0 ? 'none' : shown
}

/** The named fields only: receivers ignore fields they do not know (PROTOCOL.md §1), so comparisons must too. */
export function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, obj[k]])) as Pick<T, K>
}

export const MESSAGE_FIELDS = ['seq', 'serverMsgId', 'from', 'to', 'clientMsgId', 'type', 'content', 'sendTime'] as const
export const SEND_REPLY_FIELDS = ['serverMsgId', 'seq', 'sendTime'] as const

/** Expects the reply to `seq` to be an ERROR with `code` (a non-fatal content error). */
export async function expectErrorReply(ctx: CaseContext, rec: FrameLog, seq: number, code: ErrorCode, what: string): Promise<ErrorReply> {
  const f = await rec.next((x) => x.seq === seq, ctx.ms(5000), `${what}: expected an ERROR reply ${code} with seq ${seq}`)
  check(f.cmd === CMD.ERROR, `${what}: expected an ERROR reply ${code} with seq ${seq}, got ${describeFrame(f)}`)
  const body = checkErrorBody(f, code, what)
  checkEqual(body.ret, ERRORS[code].ret, `${what}: ERROR ret`)
  return body
}

/** Sends a frame with its own seq and expects the ERROR reply; returns the body. */
export async function sendExpectingError(ctx: CaseContext, link: LongLink, rec: FrameLog, cmd: number, body: Buffer | string | object | undefined, code: ErrorCode, what: string): Promise<ErrorReply> {
  const seq = link.nextSeq()
  link.sendFrame(cmd, seq, body)
  return expectErrorReply(ctx, rec, seq, code, what)
}

/** A fatal error in answer to a request: the ERROR reply, then the close code §4.5 derives from its ret. */
export async function sendExpectingFatal(ctx: CaseContext, link: LongLink, rec: FrameLog, cmd: number, body: Buffer | string | object | undefined, code: ErrorCode, what: string): Promise<ErrorReply> {
  const err = await sendExpectingError(ctx, link, rec, cmd, body, code, what)
  await checkClosed(link, closeCodeFor(ERRORS[code].ret), ctx.ms(3000), `after ${code}`)
  return err
}

/** Expects the NOOP echo of `seq`: cmd 6, empty body (PROTOCOL.md §5.3). */
export async function expectNoopEcho(rec: FrameLog, seq: number, timeoutMs: number, what: string): Promise<void> {
  const reply = await rec.next((f) => f.seq === seq, timeoutMs, `${what}: expected the NOOP reply with seq ${seq}`)
  check(reply.cmd === CMD.NOOP, `${what}: expected the NOOP reply, got ${describeFrame(reply)}`)
  checkEqual(reply.body.length, 0, `${what}: NOOP reply bodyLen`)
}

/** Runs a request; a refusal or a timeout fails the case, saying what was asked. */
export async function must<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (isImhError(err)) throw new CaseFailure(`${what}: ${err.code}${err.details?.serverCode ? ` (${String(err.details.serverCode)})` : ''}: ${err.message}`)
    throw err
  }
}
