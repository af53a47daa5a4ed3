import {randomBytes} from 'node:crypto'
import {QR_PATHS, SHORT_ROUTES} from '../../protocol/index.js'
import {check, checkAlive, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {bearer, checkFail, checkOk} from './http-expect.js'
import {checkRedirectUrl, confirmedLogin, newLogin, nicknameOf} from './qr-util.js'

const P = QR_PATHS

export const qrTicketCases: readonly CaseDefinition[] = [
  {
    id: 'qr.ticket-login',
    section: '10.5',
    level: 'MUST',
    requirement: 'the ticket of redirectUrl gives a web session {userId, webToken, expiresIn} of the phone\'s user; the phone\'s session goes on',
    async run(ctx) {
      const user = await ctx.newUser('web')
      const {link} = await ctx.authedLink(user)
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const {redirectUrl} = await confirmedLogin(ctx, browser, phone)
      checkRedirectUrl(ctx, redirectUrl, 'the 200 answer')
      const what = `GET ${redirectUrl}`
      const body = checkOk(await browser.raw('GET', redirectUrl), what)
      checkEqual(body.userId, user.userId, `${what}: userId (the phone's user)`)
      const webToken = body.webToken
      check(typeof webToken === 'string' && /^[\x21-\x7e]+$/.test(webToken), `${what}: webToken must be a non-empty string of visible ASCII, got ${JSON.stringify(webToken)}`)
      check(webToken !== user.token, `${what}: webToken is the phone's own short-link token; the web session must have its own`)
      check(Number.isSafeInteger(body.expiresIn) && (body.expiresIn as number) > 0, `${what}: expiresIn must be an integer > 0, got ${JSON.stringify(body.expiresIn)}`)
      const session = checkOk(await browser.raw('GET', P.session, {headers: bearer(webToken)}), `GET ${P.session} with the web token`)
      checkEqual(session.userId, user.userId, `GET ${P.session}: userId`)
      checkEqual(session.nickname, await nicknameOf(user), `GET ${P.session}: nickname`)
      // Logging in on the web must not end the phone's session (§10.5).
      checkOk(await ctx.short().raw('GET', SHORT_ROUTES.profile.path, {headers: bearer(user.token)}), `GET ${SHORT_ROUTES.profile.path} with the phone's token after the web login`)
      await checkAlive(link, ctx.ms(3000), 'the phone\'s long link after the web login')
      await phone.scan((await newLogin(browser)).qrText)
    },
  },
  {
    id: 'qr.ticket-once',
    section: '10.5',
    level: 'MUST',
    requirement: 'a ticket works once: a second exchange answers 409 IMH_ERR_QR_TICKET_USED and the first session stands',
    async run(ctx) {
      const user = await ctx.newUser('once')
      const browser = ctx.qrBrowser()
      const {redirectUrl} = await confirmedLogin(ctx, browser, ctx.qrPhone(user))
      const first = await browser.redeem(redirectUrl)
      checkFail(await browser.raw('GET', redirectUrl), 'IMH_ERR_QR_TICKET_USED', `second GET ${redirectUrl}`)
      const session = await browser.session(first.webToken)
      checkEqual(session.userId, user.userId, `GET ${P.session} with the first web token after the refused reuse: userId`)
    },
  },
  {
    id: 'qr.ticket-unknown',
    section: '10.5',
    level: 'MUST',
    requirement: 'a ticket never issued answers 403 IMH_ERR_QR_TICKET_INVALID',
    async run(ctx) {
      const path = `${P.login}?ticket=${randomBytes(16).toString('base64url')}`
      checkFail(await ctx.qrBrowser().raw('GET', path), 'IMH_ERR_QR_TICKET_INVALID', `GET ${path}`)
    },
  },
  {
    id: 'qr.session-bad-token',
    section: '10.5',
    level: 'MUST',
    requirement: 'GET /qr/session without a web token, or with an unknown one or the phone\'s token, answers 401 IMH_ERR_SESSION_INVALID',
    async run(ctx) {
      const user = await ctx.newUser('sess')
      const browser = ctx.qrBrowser()
      const tries: [string, Record<string, string>][] = [
        ['no Authorization header', {}],
        ['an unknown web token', bearer('imh-no-such-web-token-0000')],
        ['the phone\'s short-link token', bearer(user.token)],
      ]
      for (const [label, headers] of tries) {
        checkFail(await browser.raw('GET', P.session, {headers}), 'IMH_ERR_SESSION_INVALID', `GET ${P.session} with ${label}`)
      }
    },
  },
]
