import type {QrBrowser} from '../../client/qr-browser.js'
import {QR_PATHS, type QrCheckReply, parseQrCheckReply} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {checkFail, contentType, isObject, show} from './http-expect.js'
import {QR_EARLY_FRACTION, atOnceMs, checkCode, checkRedirectUrl, checkWoken, describeReply, newLogin, nicknameOf, pollAcross, qrHref, scannedLogin, unknownUuid} from './qr-util.js'

const GOOD_CALLBACKS = ['cb', 'imh.page.onPoll', '$jsonp_1']
const BAD_CALLBACKS = ['alert(1)//', 'x-y', '<script>', '1cb', 'a.b.c.d.e', 'x'.repeat(65)]

/** One raw poll, checked as §10.3 says every answer is: HTTP 200, JSON, a known code. */
async function rawPoll(browser: QrBrowser, query: string, what: string): Promise<{reply: QrCheckReply; ms: number}> {
  const t0 = performance.now()
  const res = await browser.raw('GET', `${QR_PATHS.check}?${query}`, {}, browser.holdMs + 10_000)
  const ms = Math.round(performance.now() - t0)
  check(res.status === 200, `${what}: a poll always answers HTTP 200, got ${show(res)}`)
  check(/^application\/json\b/i.test(contentType(res)), `${what}: content-type must be application/json, got "${contentType(res)}"`)
  check(isObject(res.json), `${what}: the answer is not a JSON object: ${show(res)}`)
  try {
    return {reply: parseQrCheckReply(res.json), ms}
  } catch (err) {
    throw new CaseFailure(`${what}: ${(err as Error).message}; got ${show(res)}`)
  }
}

/** A poll that must be answered `code` without waiting for the hold. */
async function checkAtOnce(ctx: CaseContext, browser: QrBrowser, uuid: string, last: number, code: number, what: string): Promise<QrCheckReply> {
  const t0 = performance.now()
  const reply = await browser.poll(uuid, last)
  const ms = Math.round(performance.now() - t0)
  checkEqual(reply.code, code, `${what}: poll code`)
  const limit = atOnceMs(ctx, browser.holdMs)
  check(ms <= limit, `${what}: answered ${reply.code} after ${ms} ms; a poll whose last differs from the current code must be answered at once (limit ${limit} ms)`)
  return reply
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export const qrPollCases: readonly CaseDefinition[] = [
  {
    id: 'qr.poll-holds',
    section: '10.3',
    level: 'MUST',
    requirement: 'a poll on a waiting uuid is held for about holdMs, then answered HTTP 200 {code: 408}',
    waits: 'holdMs',
    async run(ctx) {
      const browser = ctx.qrBrowser()
      const login = await newLogin(browser)
      const hold = login.holdMs
      ctx.needWait('holdMs', hold)
      const {reply, ms} = await rawPoll(browser, `uuid=${login.uuid}&last=0`, `GET ${QR_PATHS.check} of a waiting uuid`)
      checkEqual(reply.code, 408, 'code of the poll of a waiting uuid')
      check(ms >= hold * QR_EARLY_FRACTION, `the poll was answered 408 after ${ms} ms, before ${QR_EARLY_FRACTION * 100}% of the announced hold of ${hold} ms`)
      const late = hold + Math.max(ctx.ms(1000), Math.round(hold * 0.25))
      check(ms <= late, `the poll was answered 408 after ${ms} ms; the announced hold is ${hold} ms (limit ${late} ms)`)
    },
  },
  {
    id: 'qr.poll-unknown',
    section: '10.3',
    level: 'MUST',
    requirement: 'a poll on an unknown, missing or malformed uuid is answered at once HTTP 200 {code: 400}',
    async run(ctx) {
      const browser = ctx.qrBrowser()
      await newLogin(browser)
      const limit = atOnceMs(ctx, browser.holdMs)
      const tries: [string, string][] = [
        ['an unknown uuid', `uuid=${unknownUuid()}&last=0`],
        ['an unknown uuid and last=408', `uuid=${unknownUuid()}&last=408`],
        ['no uuid', 'last=0'],
        ['a malformed uuid', 'uuid=%3Cnot-a-uuid%3E&last=0'],
      ]
      for (const [label, query] of tries) {
        const what = `GET ${QR_PATHS.check} with ${label}`
        const {reply, ms} = await rawPoll(browser, query, what)
        checkEqual(reply.code, 400, `${what}: code`)
        check(ms <= limit, `${what}: answered after ${ms} ms; an unknown uuid must be answered at once (limit ${limit} ms)`)
      }
    },
  },
  {
    id: 'qr.scan-wakes-poll',
    section: '10.3',
    level: 'MUST',
    requirement: 'a scan answers a held poll at once with {code: 201, avatarUrl, nickname} of the scanner',
    async run(ctx) {
      const user = await ctx.newUser('scan')
      const nickname = await nicknameOf(user)
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const login = await newLogin(browser)
      const got = await pollAcross(browser, login.uuid, 0, async () => {
        const scan = await phone.scan(login.qrText)
        checkEqual(scan.uuid, login.uuid, `POST ${QR_PATHS.scan}: uuid of the answer`)
      }, `POST ${QR_PATHS.scan} during a held poll`)
      const scanned = checkWoken(ctx, browser, got, 201, `POST ${QR_PATHS.scan} during a held poll`)
      checkEqual(scanned.nickname, nickname, 'nickname in the 201 answer (the scanner\'s)')
      const avatar = scanned.avatarUrl
      check(avatar === '' || /^https?:\/\/[^/]/.test(avatar), `avatarUrl in the 201 answer must be an absolute URL or "", got ${JSON.stringify(avatar)}`)
      // A browser that missed the 201, or got 408 before it, learns of the scan at once (408 counts as 0).
      await checkAtOnce(ctx, browser, login.uuid, 0, 201, 'poll with last=0 of a scanned uuid')
      await checkAtOnce(ctx, browser, login.uuid, 408, 201, 'poll with last=408 of a scanned uuid')
    },
  },
  {
    id: 'qr.confirm-wakes-poll',
    section: '10.3',
    level: 'MUST',
    requirement: 'a confirm answers a held poll at once with {code: 200, redirectUrl: QR/qr/login?ticket=T}; later polls answer the same',
    async run(ctx) {
      const user = await ctx.newUser('confirm')
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const login = await scannedLogin(browser, phone)
      const got = await pollAcross(browser, login.uuid, 201, () => phone.confirm(login.uuid), `POST ${QR_PATHS.confirm} during a held poll with last=201`)
      const confirmed = checkWoken(ctx, browser, got, 200, `POST ${QR_PATHS.confirm} during a held poll`)
      checkRedirectUrl(ctx, confirmed.redirectUrl, 'the 200 answer')
      const again = checkCode(await checkAtOnce(ctx, browser, login.uuid, 0, 200, 'poll with last=0 of a confirmed uuid'), 200, 'poll of a confirmed uuid')
      checkEqual(again.redirectUrl, confirmed.redirectUrl, 'redirectUrl of a later poll of the confirmed uuid')
    },
  },
  {
    id: 'qr.jsonp',
    section: '10.3',
    level: 'MUST',
    requirement: 'with callback=F the poll answers application/javascript F({...}); for F a dotted identifier',
    async run(ctx) {
      const browser = ctx.qrBrowser()
      await newLogin(browser)
      for (const callback of GOOD_CALLBACKS) {
        const what = `GET ${QR_PATHS.check} of an unknown uuid with callback=${callback}`
        const res = await browser.raw('GET', `${QR_PATHS.check}?uuid=${unknownUuid()}&last=0&callback=${encodeURIComponent(callback)}`, {}, browser.holdMs + 10_000)
        check(res.status === 200, `${what}: expected HTTP 200, got ${show(res)}`)
        check(/^application\/javascript\b/i.test(contentType(res)), `${what}: content-type must be application/javascript, got "${contentType(res)}"`)
        const call = new RegExp(`^\\s*${escapeRegExp(callback)}\\((.*)\\);\\s*$`, 's').exec(res.text)
        if (!call) throw new CaseFailure(`${what}: the body must be ${callback}({...}); got ${show(res)}`)
        let body: unknown
        try {
          body = JSON.parse(call[1]!)
        } catch {
          throw new CaseFailure(`${what}: the argument of ${callback}(…) is not JSON: ${show(res)}`)
        }
        checkEqual(body, {code: 400}, `${what}: the argument`)
      }
    },
  },
  {
    id: 'qr.callback-bad',
    section: '10.3',
    level: 'MUST',
    requirement: 'a callback name that is not a dotted identifier answers 400 IMH_ERR_BAD_CALLBACK as JSON, never echoing the name',
    async run(ctx) {
      const browser = ctx.qrBrowser()
      const login = await newLogin(browser)
      for (const callback of BAD_CALLBACKS) {
        const shown = callback.length > 20 ? `${callback.slice(0, 8)}… (${callback.length} characters)` : callback
        const what = `GET ${QR_PATHS.check} with callback=${shown}`
        const res = await browser.raw('GET', `${QR_PATHS.check}?uuid=${login.uuid}&last=0&callback=${encodeURIComponent(callback)}`, {}, browser.holdMs + 10_000)
        checkFail(res, 'IMH_ERR_BAD_CALLBACK', what)
        check(!res.text.includes(callback), `${what}: the answer echoes the refused callback name: ${show(res)}`)
      }
    },
  },
  {
    id: 'qr.expiry',
    section: '10.1',
    level: 'MUST',
    requirement: 'after ttlSeconds a waiting uuid expires: polls answer {code: 400}, a scan 410 IMH_ERR_QR_EXPIRED, the image 404',
    waits: 'ttlSeconds',
    async run(ctx) {
      const user = await ctx.newUser('exp')
      const browser = ctx.qrBrowser()
      const t0 = performance.now()
      const login = await newLogin(browser)
      const t1 = performance.now()
      const ttlMs = login.ttlSeconds * 1000
      ctx.needWait('ttlSeconds', ttlMs)
      // Servers that expire on a timer of whole seconds may be up to a second early.
      const earliest = ttlMs - Math.max(1000, ttlMs * (1 - QR_EARLY_FRACTION))
      const latest = ttlMs + login.holdMs + ctx.ms(1000)
      for (;;) {
        const reply = await browser.poll(login.uuid, 0)
        const at = performance.now()
        if (reply.code === 400) {
          const after = Math.round(at - t0)
          check(after >= earliest, `the uuid expired after ${after} ms, before its announced ttlSeconds of ${login.ttlSeconds}`)
          break
        }
        check(reply.code === 408, `a poll of a waiting uuid answered ${describeReply(reply)}; nothing was scanned`)
        if (at - t1 > latest) throw new CaseFailure(`the uuid was still waiting ${Math.round(at - t1)} ms after it was issued, with ttlSeconds ${login.ttlSeconds} and holdMs ${login.holdMs}`)
      }
      checkFail(await ctx.qrPhone(user).raw(QR_PATHS.scan, {qrText: login.qrText}), 'IMH_ERR_QR_EXPIRED', `POST ${QR_PATHS.scan} of the expired uuid`)
      checkFail(await browser.raw('GET', qrHref(ctx, `${QR_PATHS.image}${login.uuid}.png`)), 'IMH_ERR_QR_UNKNOWN', 'GET the image of the expired uuid')
      await checkAtOnce(ctx, browser, login.uuid, 0, 400, 'poll of the expired uuid')
    },
  },
]
