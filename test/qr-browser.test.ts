// The QR login page (PROTOCOL.md §10.6) in a real headless Chromium against the reference server:
// the page shows a real QR code (read back from a screenshot), a virtual phone scans and confirms
// it, and the page ends logged in; cancel, expiry and server failures are handled as §10.3 says.
import * as jsqrModule from 'jsqr'
import {type Browser, type BrowserContext, type Page} from 'playwright-core'
import {PNG} from 'pngjs'
import {chromiumRequired, haveChromium, launchChromium, warnIfSkipped} from './support/chromium.js'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {QrPhone} from '../src/client/qr-phone.js'
import {ShortClient} from '../src/client/short-client.js'
import {QR_VERIFICATION_PREFIX} from '../src/protocol/qr.js'
import {type ReferenceServer, type ServerLimits, startReferenceServer} from '../reference-server/index.js'

const required = chromiumRequired
warnIfSkipped('QR BROWSER TESTS')

// jsqr is CommonJS: depending on the loader its function is the module's default export or that
// export's own `default`.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => {data: string} | null
const jsqrDefault = jsqrModule.default as unknown as JsQr | {default: JsQr}
const jsQR: JsQr = typeof jsqrDefault === 'function' ? jsqrDefault : jsqrDefault.default

const TEST_TIMEOUT = 30_000

describe.skipIf(!haveChromium && !required)('QR login page in headless Chromium (§10.6)', () => {
  let browser: Browser | undefined
  const servers: ReferenceServer[] = []
  const contexts: BrowserContext[] = []
  let pageErrors: string[] = []

  beforeAll(async () => {
    browser = await launchChromium('the QR browser tests')
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()))
    await Promise.all(servers.splice(0).map((s) => s.close()))
    // A script error on the page fails the test that caused it.
    const errors = pageErrors
    pageErrors = []
    expect(errors, 'uncaught errors in the page').toEqual([])
  })

  async function server(limits: Partial<ServerLimits>): Promise<ReferenceServer> {
    const s = await startReferenceServer({host: '127.0.0.1', port: 0, limits})
    servers.push(s)
    expect(s.urls.qr, 'startReferenceServer must return urls.qr').toMatch(/^http:\/\//)
    return s
  }

  /** A URL under the qr group's base URL, e.g. qrUrl(s, 'qr/') → QR/qr/. */
  function qrUrl(s: ReferenceServer, path: string): string {
    const base = s.urls.qr.endsWith('/') ? s.urls.qr : `${s.urls.qr}/`
    return new URL(path, base).href
  }

  /** A fresh browser context on the login page; `before` runs first (request routing), `url` overrides the address. */
  async function openPage(s: ReferenceServer, options: {url?: string; before?: (page: Page) => Promise<unknown>} = {}): Promise<Page> {
    const context = await browser!.newContext({viewport: {width: 800, height: 700}})
    contexts.push(context)
    const page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
    await options.before?.(page)
    await page.goto(options.url ?? qrUrl(s, 'qr/'))
    return page
  }

  /** A phone logged in on the short link that scans, confirms and cancels with its own token (§10.4). */
  async function phone(s: ReferenceServer, username: string) {
    const short = new ShortClient(s.urls.short)
    await short.register({username, password: 'pw'})
    const {userId, token} = await short.login({username, password: 'pw'})
    return {short, userId, username, qr: new QrPhone(s.urls.qr, token)}
  }

  async function waitForState(page: Page, state: string, timeout = 15_000): Promise<void> {
    try {
      await page.locator(`body[data-state="${state}"]`).waitFor({state: 'attached', timeout})
    } catch (err) {
      const now = await page.evaluate('document.body.dataset.state + ": " + document.getElementById("status").textContent')
      throw new Error(`page did not reach state "${state}" in ${timeout} ms; it is ${now}`, {cause: err})
    }
  }

  /** Waits for the QR image to load, screenshots it and decodes it: the text a phone would read. */
  async function readQr(page: Page): Promise<string> {
    await page.waitForFunction(`(() => {
      const img = document.getElementById('qr')
      return img && !img.hidden && img.complete && img.naturalWidth > 0
    })()`)
    const png = PNG.sync.read(await page.locator('#qr').screenshot())
    const pixels = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length)
    const code = jsQR(pixels, png.width, png.height)
    if (!code) throw new Error(`no QR code found in a ${png.width}x${png.height} screenshot of #qr`)
    return code.data
  }

  async function pageUuid(page: Page): Promise<string> {
    return (await page.locator('body').getAttribute('data-uuid')) ?? ''
  }

  it('shows a real QR code; the phone scans (avatar shown) and confirms; the page ends logged in', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 2000, qrTtlSeconds: 30})
    const alice = await phone(s, 'alice')
    const page = await openPage(s)
    await waitForState(page, 'waiting')
    expect(await page.locator('#qr').getAttribute('alt')).toBeTruthy()

    const qrText = await readQr(page)
    expect(qrText).toBe(QR_VERIFICATION_PREFIX + (await pageUuid(page)))

    const scan = await alice.qr.scan(qrText)
    expect(scan.ret).toBe(0)
    await waitForState(page, 'scanned')
    await expect(page.locator('#avatar').isVisible()).resolves.toBe(true)
    expect(await page.locator('#avatar').getAttribute('alt')).toContain('alice')
    expect(await page.locator('#nickname').textContent()).toBe('alice')
    expect(await page.locator('#status').textContent()).toMatch(/confirm on your phone/i)

    // The page polls again with last=201 and holds: a few holds later it is still 'scanned'.
    await page.waitForTimeout(2500)
    expect(await page.locator('body').getAttribute('data-state')).toBe('scanned')

    await alice.qr.confirm(scan.uuid)
    await waitForState(page, 'logged-in')
    expect(await page.locator('#status').textContent()).toContain('Logged in as alice')
    expect(await page.locator('body').getAttribute('data-user-id')).toBe(alice.userId)
    expect(await page.locator('#qr').isVisible()).toBe(false)
    // Logging in on the web does not end the phone's session (§10.5).
    expect((await alice.short.profile()).user.userId).toBe(alice.userId)
  })

  it('a cancel on the phone shows "cancelled" and a New code button that brings a different code', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 2000, qrTtlSeconds: 30})
    const bob = await phone(s, 'bob')
    const page = await openPage(s)
    const first = await readQr(page)
    const {uuid} = await bob.qr.scan(first)
    await waitForState(page, 'scanned')
    await bob.qr.cancel(uuid)

    await waitForState(page, 'cancelled')
    expect(await page.locator('#status').textContent()).toMatch(/cancel/i)
    expect(await page.locator('#qr').isVisible()).toBe(false)
    const button = page.locator('#new-code')
    expect(await button.isVisible()).toBe(true)
    await page.getByRole('button', {name: 'New code'}).click()

    await waitForState(page, 'waiting')
    const second = await readQr(page)
    expect(second).not.toBe(first)
    expect(second).toBe(QR_VERIFICATION_PREFIX + (await pageUuid(page)))
    expect(await button.isVisible()).toBe(false)
    // The new code works to the end.
    const again = await bob.qr.scan(second)
    await waitForState(page, 'scanned')
    await bob.qr.confirm(again.uuid)
    await waitForState(page, 'logged-in')
    expect(await page.locator('body').getAttribute('data-user-id')).toBe(bob.userId)
  })

  it('an unscanned code expires (400): the page shows "expired" and offers a new code', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 500, qrTtlSeconds: 2})
    const page = await openPage(s)
    const first = await readQr(page)
    await waitForState(page, 'expired', 10_000)
    expect(await page.locator('#status').textContent()).toMatch(/expired/i)
    await page.locator('#new-code').click()
    await waitForState(page, 'waiting')
    const second = await readQr(page)
    expect(second).not.toBe(first)
  })

  it('opened through another host name than the server announces (localhost), the login still completes', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 2000, qrTtlSeconds: 30})
    const dave = await phone(s, 'dave')
    const url = new URL(qrUrl(s, 'qr/'))
    expect(url.hostname).toBe('127.0.0.1')
    url.hostname = 'localhost'
    const page = await openPage(s, {url: url.href})
    // The redirectUrl names 127.0.0.1, another origin for this page: it must not need CORS.
    const {uuid} = await dave.qr.scan(await readQr(page))
    await waitForState(page, 'scanned')
    await dave.qr.confirm(uuid)
    await waitForState(page, 'logged-in')
    expect(await page.locator('body').getAttribute('data-user-id')).toBe(dave.userId)
  })

  it('on HTTP 5xx the page retries 3 times, 1 s apart, then asks to reload', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 2000, qrTtlSeconds: 30})
    const polls: number[] = []
    const page = await openPage(s, {before: (p) => p.route(/\/qr\/check\?/, async (route) => {
      polls.push(Date.now())
      await route.fulfill({status: 500, contentType: 'application/json', body: '{"ret":-1,"code":"IMH_ERR_INTERNAL","errMsg":"test"}'})
    })})
    await waitForState(page, 'error')
    expect(polls).toHaveLength(4)
    for (let i = 1; i < polls.length; i++) expect(polls[i]! - polls[i - 1]!).toBeGreaterThanOrEqual(900)
    expect(await page.locator('#status').textContent()).toMatch(/reload/i)
    expect(await page.locator('#reload').isVisible()).toBe(true)
    expect(await page.locator('#qr').isVisible()).toBe(false)
  })

  it('network errors below the retry limit do not stop the login', {timeout: TEST_TIMEOUT}, async () => {
    const s = await server({qrHoldMs: 2000, qrTtlSeconds: 30})
    const carol = await phone(s, 'carol')
    let failed = 0
    const page = await openPage(s, {before: (p) => p.route(/\/qr\/check\?/, async (route) => {
      if (failed < 3) {
        failed++
        await route.abort('connectionrefused')
      } else {
        await route.continue()
      }
    })})
    const qrText = await readQr(page)
    const {uuid} = await carol.qr.scan(qrText)
    await waitForState(page, 'scanned')
    expect(failed).toBe(3)
    await carol.qr.confirm(uuid)
    await waitForState(page, 'logged-in')
    expect(await page.locator('body').getAttribute('data-user-id')).toBe(carol.userId)
  })
})
