import type {QrBrowser} from '../../client/qr-browser.js'
import {QR_PATHS, QR_VERIFICATION_PREFIX} from '../../protocol/index.js'
import type {TestUser} from '../context.js'
import {check, checkEqual} from '../expect.js'
import type {CaseDefinition} from '../types.js'
import {checkFail, checkOk} from './http-expect.js'
import {checkCode, checkWoken, confirmedLogin, newLogin, nicknameOf, pollAcross, scannedLogin, unknownUuid} from './qr-util.js'

const P = QR_PATHS

/** The uuid is still scanned by `user`: a poll that knows nothing yet answers 201 with their nickname. */
async function checkScannedBy(browser: QrBrowser, uuid: string, user: TestUser, what: string): Promise<void> {
  const reply = checkCode(await browser.poll(uuid, 0), 201, `${what}: poll with last=0`)
  checkEqual(reply.nickname, await nicknameOf(user), `${what}: nickname in the 201 answer (${user.username}'s)`)
}

export const qrScanCases: readonly CaseDefinition[] = [
  {
    id: 'qr.scan-bad-token',
    section: '10.4',
    level: 'MUST',
    requirement: 'scan or confirm with a missing, unknown or superseded token answers 401 IMH_ERR_SESSION_INVALID and changes nothing',
    async run(ctx) {
      const [owner, stale] = await Promise.all([ctx.newUser('own'), ctx.newUser('old')])
      await ctx.short().login({username: stale.username, password: stale.password})
      const browser = ctx.qrBrowser()
      const login = await newLogin(browser)
      const bad: [string, string | undefined][] = [
        ['no Authorization header', undefined],
        ['an unknown token', 'imh-no-such-token-0000'],
        ['a token superseded by a newer login', stale.token],
      ]
      for (const [label, token] of bad) {
        checkFail(await ctx.qrPhone({token}).raw(P.scan, {qrText: login.qrText}), 'IMH_ERR_SESSION_INVALID', `POST ${P.scan} with ${label}`)
      }
      // Still waiting: a good phone can scan it, and the scan is its own.
      const phone = ctx.qrPhone(owner)
      await phone.scan(login.qrText)
      await checkScannedBy(browser, login.uuid, owner, 'after the refused scans and a good one')
      for (const [label, token] of bad) {
        checkFail(await ctx.qrPhone({token}).raw(P.confirm, {uuid: login.uuid}), 'IMH_ERR_SESSION_INVALID', `POST ${P.confirm} with ${label}`)
      }
      await checkScannedBy(browser, login.uuid, owner, 'after the refused confirms')
    },
  },
  {
    id: 'qr.scan-bad-code',
    section: '10.4',
    level: 'MUST',
    requirement: `a scanned text that is not ${QR_VERIFICATION_PREFIX} followed by a uuid answers 400 IMH_ERR_QR_BAD_CODE`,
    async run(ctx) {
      const user = await ctx.newUser('code')
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const login = await newLogin(browser)
      for (const qrText of [login.uuid, `https://example.com/qr?uuid=${login.uuid}`, `xx-login:${login.uuid}`, QR_VERIFICATION_PREFIX, `${QR_VERIFICATION_PREFIX}<not-a-uuid>`]) {
        checkFail(await phone.raw(P.scan, {qrText}), 'IMH_ERR_QR_BAD_CODE', `POST ${P.scan} of ${JSON.stringify(qrText)}`)
      }
      await phone.scan(login.qrText)
      await checkScannedBy(browser, login.uuid, user, 'after the refused texts and a good one')
    },
  },
  {
    id: 'qr.scan-unknown',
    section: '10.4',
    level: 'MUST',
    requirement: 'scan, confirm or cancel of a uuid never issued answers 410 IMH_ERR_QR_EXPIRED',
    async run(ctx) {
      const phone = ctx.qrPhone(await ctx.newUser('unk'))
      const uuid = unknownUuid()
      checkFail(await phone.raw(P.scan, {qrText: `${QR_VERIFICATION_PREFIX}${uuid}`}), 'IMH_ERR_QR_EXPIRED', `POST ${P.scan} of a uuid never issued`)
      checkFail(await phone.raw(P.confirm, {uuid}), 'IMH_ERR_QR_EXPIRED', `POST ${P.confirm} of a uuid never issued`)
      checkFail(await phone.raw(P.cancel, {uuid}), 'IMH_ERR_QR_EXPIRED', `POST ${P.cancel} of a uuid never issued`)
    },
  },
  {
    id: 'qr.scan-ignores-body-user',
    section: '10.4',
    level: 'MUST',
    requirement: 'the user is the token\'s: a userId in the scan or confirm body is ignored',
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.newUser('tok'), ctx.newUser('body')])
      check(await nicknameOf(a) !== await nicknameOf(b), 'two fresh users have the same nickname; this case cannot tell them apart')
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(a)
      const login = await newLogin(browser)
      checkOk(await phone.raw(P.scan, {qrText: login.qrText, userId: b.userId}), `POST ${P.scan} with {qrText, userId: <another user>}`)
      await checkScannedBy(browser, login.uuid, a, 'after a scan whose body names another user')
      checkOk(await phone.raw(P.confirm, {uuid: login.uuid, userId: b.userId}), `POST ${P.confirm} with {uuid, userId: <another user>}`)
      const done = checkCode(await browser.poll(login.uuid, 201), 200, 'poll after the confirm')
      const ticket = await browser.redeem(done.redirectUrl)
      checkEqual(ticket.userId, a.userId, 'userId of the web session (the token\'s user)')
    },
  },
  {
    id: 'qr.scan-twice',
    section: '10.4',
    level: 'MUST',
    requirement: 'the scanner scanning again is answered as the first time; another user\'s scan answers 409 IMH_ERR_QR_STATE',
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.newUser('twice'), ctx.newUser('other')])
      const browser = ctx.qrBrowser()
      const login = await newLogin(browser)
      for (const n of ['first', 'second']) {
        const body = checkOk(await ctx.qrPhone(a).raw(P.scan, {qrText: login.qrText}), `${n} POST ${P.scan} by the same user`)
        checkEqual(body.uuid, login.uuid, `${n} scan: uuid`)
        check(typeof body.prompt === 'string', `${n} scan: prompt must be a string, got ${JSON.stringify(body.prompt)}`)
      }
      checkFail(await ctx.qrPhone(b).raw(P.scan, {qrText: login.qrText}), 'IMH_ERR_QR_STATE', `POST ${P.scan} by another user of a scanned uuid`)
      await checkScannedBy(browser, login.uuid, a, 'after the other user\'s scan')
    },
  },
  {
    id: 'qr.confirm-not-scanned',
    section: '10.4',
    level: 'MUST',
    requirement: 'confirm or cancel before a scan answers 409 IMH_ERR_QR_NOT_SCANNED and changes nothing',
    async run(ctx) {
      const user = await ctx.newUser('early')
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const login = await newLogin(browser)
      checkFail(await phone.raw(P.confirm, {uuid: login.uuid}), 'IMH_ERR_QR_NOT_SCANNED', `POST ${P.confirm} of a uuid not scanned`)
      checkFail(await phone.raw(P.cancel, {uuid: login.uuid}), 'IMH_ERR_QR_NOT_SCANNED', `POST ${P.cancel} of a uuid not scanned`)
      await phone.scan(login.qrText)
      await checkScannedBy(browser, login.uuid, user, 'after the refused confirm and cancel and a scan')
    },
  },
  {
    id: 'qr.confirm-wrong-user',
    section: '10.4',
    level: 'MUST',
    requirement: 'confirm or cancel by a user other than the scanner answers 403 IMH_ERR_QR_WRONG_USER and changes nothing',
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.newUser('scanner'), ctx.newUser('intruder')])
      const browser = ctx.qrBrowser()
      const login = await scannedLogin(browser, ctx.qrPhone(a))
      const intruder = ctx.qrPhone(b)
      checkFail(await intruder.raw(P.confirm, {uuid: login.uuid}), 'IMH_ERR_QR_WRONG_USER', `POST ${P.confirm} by another user than the scanner`)
      checkFail(await intruder.raw(P.cancel, {uuid: login.uuid}), 'IMH_ERR_QR_WRONG_USER', `POST ${P.cancel} by another user than the scanner`)
      await checkScannedBy(browser, login.uuid, a, 'after the other user\'s confirm and cancel')
      await ctx.qrPhone(a).confirm(login.uuid)
      checkCode(await browser.poll(login.uuid, 201), 200, 'poll after the scanner\'s confirm')
    },
  },
  {
    id: 'qr.cancel',
    section: '10.4',
    level: 'MUST',
    requirement: 'cancel by the scanner answers {ret: 0} and a held poll {code: 202}; confirm and scan then answer 409 IMH_ERR_QR_STATE',
    async run(ctx) {
      const user = await ctx.newUser('cancel')
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(user)
      const login = await scannedLogin(browser, phone)
      const what = `POST ${P.cancel} during a held poll with last=201`
      const got = await pollAcross(browser, login.uuid, 201, async () => checkOk(await phone.raw(P.cancel, {uuid: login.uuid}), `POST ${P.cancel}`), what)
      checkWoken(ctx, browser, got, 202, what)
      checkFail(await phone.raw(P.confirm, {uuid: login.uuid}), 'IMH_ERR_QR_STATE', `POST ${P.confirm} of a cancelled uuid`)
      checkFail(await phone.raw(P.scan, {qrText: login.qrText}), 'IMH_ERR_QR_STATE', `POST ${P.scan} of a cancelled uuid`)
      checkCode(await browser.poll(login.uuid, 0), 202, 'poll with last=0 of the cancelled uuid')
    },
  },
  {
    id: 'qr.confirmed-final',
    section: '10.1',
    level: 'MUST',
    requirement: 'a confirmed uuid never changes: confirm, cancel and scan answer 409 IMH_ERR_QR_STATE; polls still answer 200',
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.newUser('final'), ctx.newUser('late')])
      const browser = ctx.qrBrowser()
      const phone = ctx.qrPhone(a)
      const {login, redirectUrl} = await confirmedLogin(ctx, browser, phone)
      checkFail(await phone.raw(P.confirm, {uuid: login.uuid}), 'IMH_ERR_QR_STATE', `second POST ${P.confirm}`)
      checkFail(await phone.raw(P.cancel, {uuid: login.uuid}), 'IMH_ERR_QR_STATE', `POST ${P.cancel} of a confirmed uuid`)
      checkFail(await phone.raw(P.scan, {qrText: login.qrText}), 'IMH_ERR_QR_STATE', `POST ${P.scan} of a confirmed uuid by its scanner`)
      checkFail(await ctx.qrPhone(b).raw(P.scan, {qrText: login.qrText}), 'IMH_ERR_QR_STATE', `POST ${P.scan} of a confirmed uuid by another user`)
      const again = checkCode(await browser.poll(login.uuid, 0), 200, 'poll with last=0 of the confirmed uuid')
      checkEqual(again.redirectUrl, redirectUrl, 'redirectUrl of a later poll')
    },
  },
]
