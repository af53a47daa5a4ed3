import {randomBytes} from 'node:crypto'
import {groupUrl} from '../../client/group-url.js'
import type {QrBrowser} from '../../client/qr-browser.js'
import type {QrPhone} from '../../client/qr-phone.js'
import {QR_PATHS, QR_UUID_PATTERN, type QrCheckReply, type QrCode, type QrNewReply} from '../../protocol/index.js'
import {type CaseContext, type TestUser, sleep} from '../context.js'
import {check} from '../expect.js'
import {CaseFailure} from '../failures.js'

/** A server may end a hold this early without being called hasty (as for the link time-outs). */
export const QR_EARLY_FRACTION = 0.8

/** A well-formed uuid that no server issued: fresh random bits. */
export function unknownUuid(): string {
  return randomBytes(16).toString('base64url')
}

/** The URL `path` names under the qr base, as §10.2 and §10.3 spell the URLs a server hands out. */
export function qrHref(ctx: CaseContext, path: string): string {
  return groupUrl(ctx.qrUrl, path).href
}

/** How soon an answer must follow the event it reports to count as "at once": well inside the hold. */
export function atOnceMs(ctx: CaseContext, holdMs: number): number {
  return Math.max(50, Math.min(ctx.ms(500), Math.floor(holdMs * 0.6)))
}

/** A new login whose uuid is well-formed, so the case can go on with it. */
export async function newLogin(browser: QrBrowser): Promise<QrNewReply> {
  const login = await browser.newLogin()
  check(QR_UUID_PATTERN.test(login.uuid), `GET ${QR_PATHS.new}: uuid ${JSON.stringify(login.uuid)} is not 22 to 64 characters of A-Za-z0-9_-`)
  return login
}

/** A new login scanned by `phone`. */
export async function scannedLogin(browser: QrBrowser, phone: QrPhone): Promise<QrNewReply> {
  const login = await newLogin(browser)
  await phone.scan(login.qrText)
  return login
}

/** A new login scanned and confirmed by `phone`; returns the redirect URL the poll gave. */
export async function confirmedLogin(ctx: CaseContext, browser: QrBrowser, phone: QrPhone): Promise<{login: QrNewReply; redirectUrl: string}> {
  const login = await scannedLogin(browser, phone)
  await phone.confirm(login.uuid)
  const reply = checkCode(await browser.waitFor(login.uuid, [200], {timeoutMs: ctx.ms(10_000)}), 200, 'the poll after the confirm')
  return {login, redirectUrl: reply.redirectUrl}
}

export function describeReply(reply: QrCheckReply): string {
  return JSON.stringify(reply)
}

/**
 * Starts a poll the server must hold, gives it time to arrive, runs `act` and returns the poll's
 * answer and how long after `act` began it came. A poll answered before `act` fails the case.
 */
export async function pollAcross(browser: QrBrowser, uuid: string, last: number, act: () => Promise<unknown>, what: string): Promise<{reply: QrCheckReply; afterMs: number}> {
  let answeredAt = 0
  const started = performance.now()
  const poll = browser.poll(uuid, last).then((reply) => {
    answeredAt = performance.now()
    return reply
  })
  // If `act` fails, the poll's own outcome no longer matters.
  poll.catch(() => undefined)
  const settleMs = Math.max(10, Math.min(200, Math.floor(browser.holdMs / 4)))
  const early = await Promise.race([poll, sleep(settleMs).then(() => undefined)])
  if (early) {
    throw new CaseFailure(`${what}: the poll with last=${last} was answered ${describeReply(early)} after ${Math.round(answeredAt - started)} ms, before anything happened; it must be held until a change or the hold of ${browser.holdMs} ms (§10.3)`)
  }
  const t0 = performance.now()
  await act()
  const reply = await poll
  return {reply, afterMs: Math.round(answeredAt - t0)}
}

/** Expects a reply of `code`; returns it narrowed. */
export function checkCode<C extends QrCode>(reply: QrCheckReply, code: C, what: string): Extract<QrCheckReply, {code: C}> {
  if (reply.code !== code) throw new CaseFailure(`${what}: expected code ${code}, got ${describeReply(reply)}`)
  return reply as Extract<QrCheckReply, {code: C}>
}

/** Expects a pending poll to have been answered `code` at once; returns the answer. */
export function checkWoken<C extends QrCode>(ctx: CaseContext, browser: QrBrowser, got: {reply: QrCheckReply; afterMs: number}, code: C, what: string): Extract<QrCheckReply, {code: C}> {
  const reply = checkCode(got.reply, code, `${what}: the pending poll`)
  const limit = atOnceMs(ctx, browser.holdMs)
  check(got.afterMs <= limit, `${what}: the pending poll answered ${code} ${got.afterMs} ms later; a change must answer a held poll at once (limit ${limit} ms, hold ${browser.holdMs} ms)`)
  return reply
}

/** The nickname the short link gives `user`, for comparing with a 201 poll answer. */
export async function nicknameOf(user: TestUser): Promise<string> {
  return (await user.short.profile()).user.nickname
}

/** Checks a redirect URL is `QR/qr/login?ticket=T` with a non-empty T; returns T. */
export function checkRedirectUrl(ctx: CaseContext, redirectUrl: string, what: string): string {
  let url: URL
  try {
    url = new URL(redirectUrl)
  } catch {
    throw new CaseFailure(`${what}: redirectUrl ${JSON.stringify(redirectUrl)} is not an absolute URL`)
  }
  const ticket = url.searchParams.get('ticket') ?? ''
  const expected = new URL(qrHref(ctx, QR_PATHS.login))
  check(url.origin === expected.origin && url.pathname === expected.pathname && ticket !== '',
    `${what}: redirectUrl must be ${expected.href}?ticket=<ticket>, got ${JSON.stringify(redirectUrl)}`)
  return ticket
}
