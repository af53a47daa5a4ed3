import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import jsqr from 'jsqr'
import {PNG} from 'pngjs'
import {request} from 'undici'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {QR_PATHS, SHORT_ROUTES, type QrNewReply, isImhError} from '../src/protocol/index.js'
import {packageRoot} from '../src/common/package-root.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {until} from './support/until.js'

const HOLD = 300
let server: ReferenceServer
let qr: string

interface Reply {status: number; type: string; cache: string; buf: Buffer; text: string; json: Record<string, unknown>}

async function call(method: string, url: string, o: {token?: string; body?: unknown; raw?: string; type?: string; signal?: AbortSignal} = {}): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body))
  if (body !== undefined) headers['content-type'] = o.type ?? 'application/json'
  const r = await request(url, {method: method as 'GET', headers, body, signal: o.signal})
  const buf = Buffer.from(await r.body.arrayBuffer())
  const text = buf.toString()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text)
  } catch {}
  return {status: r.statusCode, type: String(r.headers['content-type']), cache: String(r.headers['cache-control']), buf, text, json}
}

const get = (path: string, o?: Parameters<typeof call>[2]) => call('GET', qr + path, o)
const post = (path: string, token: string, body: unknown) => call('POST', qr + path, {token, body})
const newLogin = async () => (await get(QR_PATHS.new)).json as unknown as QrNewReply
const check = async (uuid: string, last: number) => (await get(`${QR_PATHS.check}?uuid=${uuid}&last=${last}`)).json
async function phone(name: string): Promise<{userId: string; token: string}> {
  const creds = {username: name, password: 'pw'}
  await call('POST', server.urls.short + SHORT_ROUTES.register.path, {body: creds})
  const r = await call('POST', server.urls.short + SHORT_ROUTES.login.path, {body: creds})
  return r.json as {userId: string; token: string}
}

let alice: {userId: string; token: string}
let bob: {userId: string; token: string}

beforeAll(async () => {
  server = await startReferenceServer({port: 0, limits: {qrHoldMs: HOLD, qrTtlSeconds: 2}})
  qr = server.urls.qr
  alice = await phone('alice')
  bob = await phone('bob')
})
afterAll(() => server.close())

describe('qr group wiring', () => {
  it('is a base URL in the scheduler answer and in urls', async () => {
    expect(qr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const answer = (await call('GET', server.urls.scheduler)).json as {groups: {qr: string[]}}
    expect(answer.groups.qr).toEqual([qr])
  })

  it('validates the qr limits by name', async () => {
    for (const limits of [{qrHoldMs: 50}, {qrTtlSeconds: 0}, {qrTtlSeconds: 86_401}, {qrHoldMs: 120_001}]) {
      const err = await startReferenceServer({limits}).then((s) => s.close(), (e: unknown) => e)
      expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
      expect((err as Error).message).toContain(Object.keys(limits)[0])
    }
  })
})

describe('GET /qr/new and the image (§10.2)', () => {
  it('answers a uuid, its text, an absolute image URL and the timings', async () => {
    const r = await get(QR_PATHS.new)
    expect(r.status).toBe(200)
    expect(r.cache).toBe('no-store')
    const n = r.json as unknown as QrNewReply
    expect(n).toMatchObject({ret: 0, ttlSeconds: 2, holdMs: HOLD})
    expect(n.uuid).toMatch(/^[A-Za-z0-9_-]{22,64}$/)
    expect(n.qrText).toBe(`imh-login:${n.uuid}`)
    expect(n.qrImageUrl).toBe(`${qr}/qr/image/${n.uuid}.png`)
    const img = await call('GET', n.qrImageUrl)
    expect(img.status).toBe(200)
    expect(img.type).toBe('image/png')
    expect([...img.buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const png = PNG.sync.read(img.buf)
    expect(jsqr.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(n.qrText)
  })

  it('answers 404 IMH_ERR_QR_UNKNOWN for an image of an unknown uuid', async () => {
    for (const path of ['/qr/image/AAAAAAAAAAAAAAAAAAAAAA.png', '/qr/image/x.png', '/qr/image/']) {
      const r = await get(path)
      expect([r.status, r.json.code]).toEqual([404, 'IMH_ERR_QR_UNKNOWN'])
    }
  })
})

describe('GET /qr/check (§10.3)', () => {
  it('holds a poll for holdMs, then answers 408 with HTTP 200', async () => {
    const {uuid} = await newLogin()
    const t0 = Date.now()
    const r = await get(`${QR_PATHS.check}?uuid=${uuid}&last=0`)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(HOLD - 20)
    expect([r.status, r.json, r.cache]).toEqual([200, {code: 408}, 'no-store'])
  })

  it('answers 400 at once for a missing, malformed or unknown uuid', async () => {
    for (const q of ['', '?uuid=bad', '?uuid=AAAAAAAAAAAAAAAAAAAAAA&last=0']) {
      expect(await get(QR_PATHS.check + q).then((r) => r.json)).toEqual({code: 400})
    }
  })

  it('answers JSONP for a valid callback and refuses others without echoing them', async () => {
    const {uuid} = await newLogin()
    await post(QR_PATHS.scan, alice.token, {qrText: `imh-login:${uuid}`})
    const r = await get(`${QR_PATHS.check}?uuid=${uuid}&last=0&callback=cb`)
    expect(r.type).toMatch(/^application\/javascript/)
    expect(r.text).toMatch(/^cb\(\{"code":201,.*\}\);$/)
    expect((await get(`${QR_PATHS.check}?uuid=nope&callback=my.ns_1.$cb`)).text).toBe('my.ns_1.$cb({"code":400});')
    for (const bad of ['alert(1)//', 'a-b', '<script>', '', '1a', 'a.b.c.d.e']) {
      const r = await get(`${QR_PATHS.check}?uuid=${uuid}&last=0&callback=${encodeURIComponent(bad)}`)
      expect([r.status, r.json.code, r.type]).toEqual([400, 'IMH_ERR_BAD_CALLBACK', 'application/json; charset=utf-8'])
      if (bad) expect(r.text).not.toContain(bad)
    }
  })

  it('frees a poll the client abandons', async () => {
    const long = await startReferenceServer({limits: {qrHoldMs: 60_000}})
    try {
      const {uuid} = (await call('GET', long.urls.qr + QR_PATHS.new)).json as unknown as QrNewReply
      const aborts = Array.from({length: 50}, () => new AbortController())
      const polls = aborts.map((ac) => call('GET', `${long.urls.qr}${QR_PATHS.check}?uuid=${uuid}&last=0`, {signal: ac.signal}).catch(() => 'aborted'))
      await until(() => long.flows.qr.polls === 50)
      for (const ac of aborts) ac.abort()
      expect(new Set(await Promise.all(polls))).toEqual(new Set(['aborted']))
      await until(() => long.flows.qr.polls === 0)
    } finally {
      await long.close()
    }
  })
})

describe('the phone: scan, confirm, cancel (§10.4) and the ticket (§10.5)', () => {
  it('walks new → scan → confirm → ticket → web session; polls are answered at once', async () => {
    const {uuid, qrText} = await newLogin()
    const scanned = get(`${QR_PATHS.check}?uuid=${uuid}&last=0`)
    await until(() => server.flows.qr.polls === 1)
    const t0 = Date.now()
    const s = await post(QR_PATHS.scan, alice.token, {qrText})
    expect(s.json).toMatchObject({ret: 0, uuid})
    expect(typeof s.json.prompt).toBe('string')
    const profile = await call('GET', server.urls.short + SHORT_ROUTES.profile.path, {token: alice.token})
    const {avatarUrl, nickname} = (profile.json as {user: {avatarUrl: string; nickname: string}}).user
    expect((await scanned).json).toEqual({code: 201, avatarUrl, nickname})
    expect(Date.now() - t0).toBeLessThan(HOLD)

    const confirmed = get(`${QR_PATHS.check}?uuid=${uuid}&last=201`)
    await until(() => server.flows.qr.polls === 1)
    expect((await post(QR_PATHS.confirm, alice.token, {uuid})).json).toEqual({ret: 0})
    const done = (await confirmed).json as {code: number; redirectUrl: string}
    expect(done.code).toBe(200)
    expect(done.redirectUrl).toMatch(new RegExp(`^${qr}/qr/login\\?ticket=[A-Za-z0-9_-]{22,}$`))
    expect(await check(uuid, 0)).toEqual(done)

    const t = await call('GET', done.redirectUrl)
    expect(t.json).toMatchObject({ret: 0, userId: alice.userId, expiresIn: 86_400})
    const webToken = t.json.webToken as string
    expect(webToken).not.toBe(alice.token)
    const again = await call('GET', done.redirectUrl)
    expect([again.status, again.json.code]).toEqual([409, 'IMH_ERR_QR_TICKET_USED'])
    const forged = await get(`${QR_PATHS.login}?ticket=forged`)
    expect([forged.status, forged.json.code]).toEqual([403, 'IMH_ERR_QR_TICKET_INVALID'])

    expect((await get(QR_PATHS.session, {token: webToken})).json).toEqual({ret: 0, userId: alice.userId, nickname})
    for (const token of [alice.token, undefined]) {
      const r = await get(QR_PATHS.session, {token})
      expect([r.status, r.json.code]).toEqual([401, 'IMH_ERR_SESSION_INVALID'])
    }
    // The web login does not end the phone's session.
    expect((await call('GET', server.urls.short + SHORT_ROUTES.profile.path, {token: alice.token})).status).toBe(200)
  })

  it('refuses a confirm before the scan, by another user, and a second scanner', async () => {
    const {uuid, qrText} = await newLogin()
    const early = await post(QR_PATHS.confirm, alice.token, {uuid})
    expect([early.status, early.json.code]).toEqual([409, 'IMH_ERR_QR_NOT_SCANNED'])
    // A user id in the body is ignored: the token says who scans.
    expect((await post(QR_PATHS.scan, alice.token, {qrText, userId: bob.userId})).status).toBe(200)
    expect((await post(QR_PATHS.scan, alice.token, {qrText})).status).toBe(200)
    const other = await post(QR_PATHS.scan, bob.token, {qrText})
    expect([other.status, other.json.code]).toEqual([409, 'IMH_ERR_QR_STATE'])
    const wrong = await post(QR_PATHS.confirm, bob.token, {uuid, userId: alice.userId})
    expect([wrong.status, wrong.json.code]).toEqual([403, 'IMH_ERR_QR_WRONG_USER'])
    expect((await post(QR_PATHS.confirm, alice.token, {uuid})).status).toBe(200)
  })

  it('cancels: the poll answers 202 and a confirm is refused', async () => {
    const {uuid, qrText} = await newLogin()
    await post(QR_PATHS.scan, alice.token, {qrText})
    const poll = check(uuid, 201)
    expect((await post(QR_PATHS.cancel, alice.token, {uuid})).json).toEqual({ret: 0})
    expect(await poll).toEqual({code: 202})
    const r = await post(QR_PATHS.confirm, alice.token, {uuid})
    expect([r.status, r.json.code]).toEqual([409, 'IMH_ERR_QR_STATE'])
  })

  it('refuses a missing, unknown or superseded token with 401 and leaves the state alone', async () => {
    const carol = await phone('carol')
    const {uuid, qrText} = await newLogin()
    await call('POST', server.urls.short + SHORT_ROUTES.login.path, {body: {username: 'carol', password: 'pw'}})
    for (const token of ['', 'forged', carol.token]) {
      const r = await post(QR_PATHS.scan, token, {qrText})
      expect([r.status, r.json.code]).toEqual([401, 'IMH_ERR_SESSION_INVALID'])
    }
    expect(await check(uuid, 201)).toEqual({code: 408})
  })

  it('refuses bad bodies and codes', async () => {
    const {uuid} = await newLogin()
    const cases: Array<[Promise<Reply>, number, string]> = [
      [post(QR_PATHS.scan, alice.token, {qrText: 'https://evil/x'}), 400, 'IMH_ERR_QR_BAD_CODE'],
      [post(QR_PATHS.scan, alice.token, {}), 400, 'IMH_ERR_QR_BAD_CODE'],
      [post(QR_PATHS.scan, alice.token, {qrText: 'imh-login:AAAAAAAAAAAAAAAAAAAAAA'}), 410, 'IMH_ERR_QR_EXPIRED'],
      [post(QR_PATHS.confirm, alice.token, {}), 400, 'IMH_ERR_BAD_REQUEST'],
      [post(QR_PATHS.confirm, alice.token, []), 400, 'IMH_ERR_BAD_REQUEST'],
      [call('POST', qr + QR_PATHS.confirm, {token: alice.token, raw: '{'}), 400, 'IMH_ERR_BAD_JSON'],
      [call('POST', qr + QR_PATHS.confirm, {token: alice.token, raw: `{"uuid":"${uuid}"}`, type: 'text/plain'}), 415, 'IMH_ERR_UNSUPPORTED_MEDIA_TYPE'],
      [call('POST', qr + QR_PATHS.confirm, {token: alice.token, raw: JSON.stringify({uuid, pad: 'x'.repeat(70_000)})}), 413, 'IMH_ERR_BODY_TOO_LARGE'],
      [get(QR_PATHS.scan), 405, 'IMH_ERR_METHOD_NOT_ALLOWED'],
      [call('POST', qr + QR_PATHS.new), 405, 'IMH_ERR_METHOD_NOT_ALLOWED'],
      [get('/qr/nope'), 404, 'IMH_ERR_NOT_FOUND'],
      [get('/'), 404, 'IMH_ERR_NOT_FOUND'],
    ]
    for (const [reply, status, code] of cases) {
      const r = await reply
      expect([r.status, r.json.code], r.text).toEqual([status, code])
    }
  })

  it('expires: a pending poll answers 400, then scan is 410 and the image 404', async () => {
    const {uuid, qrText, qrImageUrl} = await newLogin()
    const t0 = Date.now()
    let r: Record<string, unknown>
    do r = await check(uuid, 0)
    while (r.code === 408)
    expect(r).toEqual({code: 400})
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900)
    const s = await post(QR_PATHS.scan, alice.token, {qrText})
    expect([s.status, s.json.code]).toEqual([410, 'IMH_ERR_QR_EXPIRED'])
    const c = await post(QR_PATHS.confirm, alice.token, {uuid})
    expect([c.status, c.json.code]).toEqual([410, 'IMH_ERR_QR_EXPIRED'])
    expect((await call('GET', qrImageUrl)).status).toBe(404)
  })
})

describe('the login page (§10.6)', () => {
  it('serves the page and its script from reference-server/qr-page, or 404 while it is missing', async () => {
    for (const [path, file, type] of [['/qr/', 'index.html', 'text/html'], ['/qr/login.js', 'login.js', 'application/javascript']] as const) {
      const onDisk = join(packageRoot(), 'reference-server', 'qr-page', file)
      const r = await get(path)
      if (existsSync(onDisk)) {
        expect(r.status).toBe(200)
        expect(r.type).toContain(type)
        expect(r.text).toBe(readFileSync(onDisk, 'utf8'))
      } else {
        expect([r.status, r.json.code]).toEqual([404, 'IMH_ERR_NOT_FOUND'])
      }
    }
    const bare = await call('GET', `${qr}/qr`)
    expect(bare.status).toBe(301)
  })
})
