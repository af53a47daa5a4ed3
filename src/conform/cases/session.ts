import type {LongLink} from '../../client/long-link.js'
import {CMD, parseAuthReply, parseJsonBody} from '../../protocol/index.js'
import {type CaseContext, sleep} from '../context.js'
import {check, checkAlive, checkClosed, checkEqual, checkErrorBody} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {FrameLog, describeFrame, must, recordedLink, sendExpectingError, sendExpectingFatal, latencySummary, linkState, quietWait, sendText, sendUnmatched} from './util.js'

/** A token no server issued: visible ASCII, plausible length. */
const BOGUS_TOKEN = 'imh-conform-token-that-no-server-issued-0000'

/** A server may end a timed-out link this early without being called hasty. */
const EARLY_FRACTION = 0.8

/**
 * Waits for the server to end a link on a timer: an ERROR push with `code`, then close 4408, not
 * before EARLY_FRACTION of `timerMs` since `t0`.
 */
async function expectTimedOut(link: LongLink, log: FrameLog, t0: number, timerMs: number, code: string, upperMs: number, what: string): Promise<void> {
  let closedAt = Number.POSITIVE_INFINITY
  link.once('close', () => (closedAt = performance.now()))
  await checkClosed(link, undefined, upperMs, what)
  const firstFrameAt = log.frames[0]?.at ?? Number.POSITIVE_INFINITY
  const endedAfter = Math.round(Math.min(closedAt, firstFrameAt) - t0)
  check(endedAfter >= timerMs * EARLY_FRACTION,
    `${what}: the server ended the link after ${endedAfter} ms (${log.summary()}; close ${link.closed?.code}), before ${EARLY_FRACTION * 100}% of the ${timerMs} ms time-out`)
  const push = log.frames.find((e) => e.frame.cmd === CMD.ERROR)?.frame
  if (!push) throw new CaseFailure(`${what}: the link was closed with ${link.closed?.code} after ${endedAfter} ms without an ERROR push ${code} first (received: ${log.summary()})`)
  checkEqual(push.seq, 0, `${what}: seq of the ERROR push`)
  const err = checkErrorBody(push, code, what)
  checkEqual(err.ret, 408, `${what}: ERROR ret`)
  checkEqual(link.closed?.code, 4408, `${what}: close code`)
}

/** Beats a keep-alive case sends: every idleTimeoutMs/3, the last one a whole interval past idleTimeoutMs. */
const KEEP_ALIVE_BEATS = 4

/**
 * Beats every idleTimeoutMs/3 for 4/3 × idleTimeoutMs and expects the link to live through it, then
 * still to answer a NOOP (PROTOCOL.md §5.4). A server whose timer the beats do not reset has closed
 * the link a whole beat interval before the last one; waiting longer would prove no more and
 * would not fit a 90 s time-out into the default --max-wait.
 */
async function keptAlive(ctx: CaseContext, what: string, beat: (link: LongLink) => Promise<void>): Promise<void> {
  const every = Math.max(1, Math.floor(ctx.limits.idleTimeoutMs / 3))
  const idle = ctx.needWait('idleTimeoutMs', ctx.limits.idleTimeoutMs, KEEP_ALIVE_BEATS * every)
  const {link} = await ctx.authedLink()
  const t0 = performance.now()
  for (let n = 1; n <= KEEP_ALIVE_BEATS; n++) {
    // On a fixed grid: a slow answer to one beat does not push the later ones (and the case) back.
    await sleep(Math.max(0, t0 + n * every - performance.now()))
    try {
      await beat(link)
    } catch (err) {
      throw new CaseFailure(`after ${Math.round(performance.now() - t0)} ms of ${what} every ${every} ms (idle time-out ${idle} ms) the link failed: ${(err as Error).message}; ${linkState(link)}`)
    }
  }
  await checkAlive(link, ctx.ms(3000), `after ${Math.round(performance.now() - t0)} ms of ${what}`)
}

/** §5.5: a displaced link gets an ERROR push IMH_ERR_KICKED (seq 0, ret 1101), then close 4101. */
async function expectKicked(ctx: CaseContext, link: LongLink, log: FrameLog, when: string): Promise<void> {
  const wait = quietWait(ctx, 3000)
  const push = await log.find((f) => f.cmd === CMD.ERROR, wait)
  if (!push) throw new CaseFailure(`the older link got no ERROR push within ${wait} ms ${when} (received: ${log.summary()}); ${linkState(link)}`)
  checkEqual(push.seq, 0, 'seq of the ERROR push to the older link')
  const err = checkErrorBody(push, 'IMH_ERR_KICKED', `older link ${when}`)
  checkEqual(err.ret, 1101, 'older link: ERROR ret')
  await checkClosed(link, 4101, ctx.ms(3000), 'older link after IMH_ERR_KICKED')
}

export const sessionCases: readonly CaseDefinition[] = [
  {
    id: 'session.auth-ok',
    section: '5.1',
    level: 'MUST',
    requirement: 'AUTH with a valid token is answered by AUTH with the same seq and {userId, serverTime, heartbeatIntervalMs, idleTimeoutMs}',
    async run(ctx) {
      const user = await ctx.newUser()
      const link = await ctx.link()
      const log = new FrameLog(link)
      const seq = sendUnmatched(link, CMD.AUTH, {token: user.token})
      const frame = await log.find(() => true, ctx.ms(5000))
      if (!frame) throw new CaseFailure(`AUTH seq ${seq} got no reply within ${ctx.ms(5000)} ms; ${linkState(link)}`)
      check(frame.cmd === CMD.AUTH, `AUTH with a valid token was answered by ${describeFrame(frame)}`)
      checkEqual(frame.seq, seq, 'seq of the AUTH reply')
      const auth = parseAuthReply(parseJsonBody(frame.body))
      checkEqual(auth.userId, user.userId, 'userId in the AUTH reply (the one /login gave)')
      check(Number.isSafeInteger(auth.serverTime) && auth.serverTime > 0, `serverTime must be an integer time in ms, got ${auth.serverTime}`)
      check(auth.heartbeatIntervalMs > 0, `heartbeatIntervalMs must be > 0, got ${auth.heartbeatIntervalMs}`)
      check(auth.idleTimeoutMs > 0, `idleTimeoutMs must be > 0, got ${auth.idleTimeoutMs}`)
    },
  },
  {
    id: 'session.auth-first',
    section: '5.1',
    level: 'MUST',
    requirement: 'a frame other than AUTH before AUTH gets ERROR IMH_ERR_NOT_AUTHENTICATED (1100) with its seq, then close 4100',
    async run(ctx) {
      const link = await ctx.link()
      const log = new FrameLog(link)
      await sendExpectingFatal(ctx, link, log, CMD.NOOP, undefined, 'IMH_ERR_NOT_AUTHENTICATED', 'NOOP before AUTH')
    },
  },
  {
    id: 'session.bad-token',
    section: '5.1',
    level: 'MUST',
    requirement: 'AUTH with an unknown token gets ERROR IMH_ERR_SESSION_INVALID (1100) with its seq, then close 4100',
    async run(ctx) {
      const link = await ctx.link()
      const log = new FrameLog(link)
      await sendExpectingFatal(ctx, link, log, CMD.AUTH, {token: BOGUS_TOKEN}, 'IMH_ERR_SESSION_INVALID', 'AUTH with an unknown token')
    },
  },
  {
    id: 'session.kicked-token',
    section: '5.1',
    level: 'MUST',
    requirement: 'AUTH with a token superseded by a newer login gets ERROR IMH_ERR_KICKED (1101) with its seq, then close 4101',
    async run(ctx) {
      const user = await ctx.newUser()
      const old = user.token
      await user.short.login({username: user.username, password: user.password})
      const link = await ctx.link()
      const log = new FrameLog(link)
      await sendExpectingFatal(ctx, link, log, CMD.AUTH, {token: old}, 'IMH_ERR_KICKED', 'AUTH with the token of an earlier login')
    },
  },
  {
    id: 'session.auth-twice',
    section: '5.1',
    level: 'SHOULD',
    requirement: 'a second AUTH on an authenticated link gets IMH_ERR_ALREADY_AUTHENTICATED and the link stays open',
    async run(ctx) {
      const {link, user} = await ctx.authedLink()
      const log = new FrameLog(link)
      await sendExpectingError(ctx, link, log, CMD.AUTH, {token: user.token}, 'IMH_ERR_ALREADY_AUTHENTICATED', 'AUTH on an authenticated link')
      await checkAlive(link, ctx.ms(3000), 'after IMH_ERR_ALREADY_AUTHENTICATED (non-fatal)')
    },
  },
  {
    id: 'session.handshake-timeout',
    section: '5.2',
    level: 'MUST',
    requirement: 'a link without AUTH gets an ERROR push IMH_ERR_HANDSHAKE_TIMEOUT and close 4408 after handshakeTimeoutMs, not earlier',
    waits: 'handshakeTimeoutMs',
    async run(ctx) {
      const timeout = ctx.needWait('handshakeTimeoutMs', ctx.limits.handshakeTimeoutMs)
      const link = await ctx.link()
      const t0 = performance.now()
      const log = new FrameLog(link)
      await expectTimedOut(link, log, t0, timeout, 'IMH_ERR_HANDSHAKE_TIMEOUT', timeout + ctx.ms(Math.max(2000, timeout / 2)), 'link left without AUTH')
    },
  },
  {
    id: 'session.heartbeat-echo',
    section: '5.3',
    level: 'MUST',
    requirement: 'NOOP is echoed at once as cmd 6 with the same seq and an empty body',
    async run(ctx) {
      const {link} = await ctx.authedLink()
      const log = new FrameLog(link)
      const seq = sendUnmatched(link, CMD.NOOP)
      const frame = await log.find(() => true, ctx.ms(3000))
      if (!frame) throw new CaseFailure(`NOOP seq ${seq} got no reply within ${ctx.ms(3000)} ms; ${linkState(link)}`)
      check(frame.cmd === CMD.NOOP, `NOOP seq ${seq} was answered by ${describeFrame(frame)}`)
      checkEqual(frame.seq, seq, 'seq of the NOOP reply')
      checkEqual(frame.body.length, 0, 'body length of the NOOP reply')
    },
  },
  {
    id: 'session.heartbeat-pipelined',
    section: '5.3',
    level: 'MUST',
    requirement: '100 NOOPs sent back to back are each echoed with their own seq, in request order (§5.6)',
    async run(ctx) {
      const {link} = await ctx.authedLink()
      const log = new FrameLog(link)
      const seqs = Array.from({length: 100}, () => sendUnmatched(link, CMD.NOOP))
      const limit = ctx.ms(5000)
      const end = performance.now() + limit
      while (log.frames.length < seqs.length && !link.closed && performance.now() < end) await sleep(5)
      const got = log.frames.map((e) => e.frame)
      const answered = new Set(got.filter((f) => f.cmd === CMD.NOOP).map((f) => f.seq))
      const missing = seqs.filter((s) => !answered.has(s))
      check(missing.length === 0, `${seqs.length - missing.length} of ${seqs.length} NOOPs were echoed within ${limit} ms; no echo for seq ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}; ${linkState(link)}`)
      const other = got.find((f) => f.cmd !== CMD.NOOP || f.body.length !== 0)
      check(!other, `among the echoes came ${other && describeFrame(other)}`)
      checkEqual(got.map((f) => f.seq), seqs, 'seqs of the echoes in arrival order')
    },
  },
  {
    id: 'session.idle-timeout',
    section: '5.4',
    level: 'MUST',
    requirement: 'an authenticated link that stays silent gets an ERROR push IMH_ERR_IDLE_TIMEOUT and close 4408 after idleTimeoutMs, not earlier',
    waits: 'idleTimeoutMs',
    async run(ctx) {
      const idle = ctx.needWait('idleTimeoutMs', ctx.limits.idleTimeoutMs)
      const {link} = await ctx.authedLink()
      const t0 = performance.now()
      const log = new FrameLog(link)
      await expectTimedOut(link, log, t0, idle, 'IMH_ERR_IDLE_TIMEOUT', idle + ctx.ms(Math.max(2000, idle / 2)), 'silent authenticated link')
    },
  },
  {
    id: 'session.heartbeat-keeps-alive',
    section: '5.4',
    level: 'MUST',
    requirement: 'a link that sends NOOP every idleTimeoutMs/3 stays open past idleTimeoutMs + idleTimeoutMs/3',
    waits: 'idleTimeoutMs',
    async run(ctx) {
      await keptAlive(ctx, 'NOOPs', (link) => link.request(CMD.NOOP, undefined, ctx.ms(3000)).then(() => {}))
    },
  },
  {
    id: 'session.ping-keeps-alive',
    section: '5.4',
    level: 'SHOULD',
    requirement: 'WebSocket pings every idleTimeoutMs/3, without frames, keep a link open past idleTimeoutMs + idleTimeoutMs/3',
    waits: 'idleTimeoutMs',
    async run(ctx) {
      ctx.needWebSocket('WebSocket pings')
      await keptAlive(ctx, 'WebSocket pings', async (link) => {
        if (link.closed) throw new Error('closed')
        link.ws.ping()
      })
    },
  },
  {
    id: 'session.kick-second-login',
    section: '5.5',
    level: 'MUST',
    requirement: 'AUTH of the same user on a new link sends the old link an ERROR push IMH_ERR_KICKED (seq 0, ret 1101) and closes it with 4101; the new link works and gets notifies',
    async run(ctx) {
      const user = await ctx.newUser()
      const {link: first, rec: log1} = await recordedLink(ctx, user)
      const {link: second, rec: log2} = await recordedLink(ctx, user)
      const wait = quietWait(ctx, 3000)
      await expectKicked(ctx, first, log1, 'after the same user AUTHed on a new link')
      await checkAlive(second, ctx.ms(3000), 'newer link')
      check(!second.closed, `the newer link was closed too: ${linkState(second)}`)
      const {link: sender} = await ctx.authedLink()
      const mark = log2.frames.length
      await sendText(sender, user.userId, 'after the kick', 'kick-1')
      const notify = await log2.find((f) => f.cmd === CMD.SYNC_NOTIFY, wait, mark)
      check(notify, `a message stored after the kick was not notified on the newer link within ${wait} ms (received: ${log2.summary(mark)}); ${linkState(second)}`)
    },
  },
  {
    id: 'session.login-closes-old-link',
    section: '3.4',
    level: 'MUST',
    requirement: 'a new login closes the old long link at login or at the latest when the new token AUTHs, either way with an ERROR push IMH_ERR_KICKED (seq 0) and close 4101',
    async run(ctx) {
      const user = await ctx.newUser()
      const {link: old, rec: log} = await recordedLink(ctx, user)
      const login = await must(user.short.login({username: user.username, password: user.password}), 'second POST /login')
      // §3.4 lets the server close the old link at login already: give it the time to.
      await sleep(quietWait(ctx, 300))
      if (log.frames.length > 0 || old.closed) return expectKicked(ctx, old, log, 'after the same user logged in again (closed at login)')
      await ctx.authedLink({...user, token: login.token})
      await expectKicked(ctx, old, log, 'after the new token AUTHed on a new link')
    },
  },
  {
    id: 'session.heartbeat-rtt',
    section: '5.3',
    level: 'INFO',
    requirement: 'round-trip time of 200 sequential NOOPs on one link',
    async run(ctx) {
      const {link} = await ctx.authedLink()
      const samples: number[] = []
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now()
        await link.request(CMD.NOOP, undefined, ctx.ms(3000))
        samples.push(performance.now() - t0)
      }
      return latencySummary(samples, 'NOOP round trip')
    },
  },
]
