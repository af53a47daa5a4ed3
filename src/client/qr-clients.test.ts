import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../../reference-server/index.js'
import {isImhError} from '../protocol/index.js'
import {QrBrowser, parseJsonp} from './qr-browser.js'
import {QrPhone} from './qr-phone.js'
import {ShortClient} from './short-client.js'

describe('parseJsonp', () => {
  it('reads the one JSON argument of a call of the callback', () => {
    expect(parseJsonp('cb({"code":408});', 'cb')).toEqual({code: 408})
    expect(parseJsonp(' a.b({"code":201,"nickname":"x"})\n', 'a.b')).toEqual({code: 201, nickname: 'x'})
  })

  it('refuses another callback, a body that is not a call, and an argument that is not JSON', () => {
    expect(parseJsonp('other({"code":408});', 'cb')).toBeUndefined()
    expect(parseJsonp('cb({"code":408}', 'cb')).toBeUndefined()
    expect(parseJsonp('cb({code: 408});', 'cb')).toBeUndefined()
  })
})

describe('QrBrowser and QrPhone against the reference server', () => {
  let server: ReferenceServer
  beforeAll(async () => {
    server = await startReferenceServer({limits: {qrHoldMs: 300, qrTtlSeconds: 5}})
  })
  afterAll(() => server.close())

  async function phoneOf(username: string): Promise<{phone: QrPhone; userId: string}> {
    const short = new ShortClient(server.urls.short)
    await short.register({username, password: 'pw'})
    const {userId, token} = await short.login({username, password: 'pw'})
    return {phone: new QrPhone(server.urls.qr, token), userId}
  }

  it('logs a browser in: new code, scan, confirm, ticket, web session', async () => {
    const browser = new QrBrowser(server.urls.qr)
    const {phone, userId} = await phoneOf('qr-alice')
    const login = await browser.newLogin()
    expect(browser.holdMs).toBe(300)
    expect((await browser.fetchImage(login.uuid)).subarray(1, 4).toString()).toBe('PNG')
    expect(await browser.poll(login.uuid, 0)).toEqual({code: 408})
    await phone.scan(login.qrText)
    expect(await browser.waitFor(login.uuid, [201], {callback: 'imh.cb'})).toMatchObject({code: 201, nickname: 'qr-alice'})
    await phone.confirm(login.uuid)
    const done = await browser.waitFor(login.uuid, [200], {last: 201})
    if (done.code !== 200) throw new Error('unreachable')
    const ticket = await browser.redeem(done.redirectUrl)
    expect(ticket.userId).toBe(userId)
    expect(await browser.session(ticket.webToken)).toMatchObject({ret: 0, userId, nickname: 'qr-alice'})
  })

  it('turns refusals into ImhErrors with the server\'s code', async () => {
    const browser = new QrBrowser(server.urls.qr)
    const {phone} = await phoneOf('qr-bob')
    const login = await browser.newLogin()
    const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: unknown) => (isImhError(err) ? err.code : String(err)))
    expect(await codeOf(phone.confirm(login.uuid))).toBe('IMH_ERR_QR_NOT_SCANNED')
    expect(await codeOf(new QrPhone(server.urls.qr, undefined).scan(login.qrText))).toBe('IMH_ERR_SESSION_INVALID')
    expect(await codeOf(browser.poll(login.uuid, 0, {callback: 'alert(1)'}))).toBe('IMH_ERR_BAD_CALLBACK')
    expect(await codeOf(browser.redeem('no-such-ticket'))).toBe('IMH_ERR_QR_TICKET_INVALID')
    expect(await codeOf(browser.fetchImage('imhNoSuchQrLoginUuid0000'))).toBe('IMH_ERR_QR_UNKNOWN')
    await phone.scan(login.qrText)
    await phone.cancel(login.uuid)
    expect(await codeOf(browser.waitFor(login.uuid, [200]))).toBe('IMH_ERR_QR_STATE')
  })
})
