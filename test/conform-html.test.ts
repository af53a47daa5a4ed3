// `imh conform --html` end to end: the built CLI runs a few cases against a server with one known
// bug (PROTOCOL.md §6.4), and the page it writes is opened in a real headless Chromium: it fetches
// nothing, shows the section table and the failure's frame trace, filters by verdict, fits a phone.
import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {type Browser, type Page} from 'playwright-core'
import {PNG} from 'pngjs'
import {chromiumRequired, haveChromium, launchChromium, warnIfSkipped} from './support/chromium.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {EXIT} from '../src/common/exit-codes.js'
import {FullPageContinueStore} from './doubles/full-page-continue-store.js'
import {BIN, children, oneLine, runCli} from './support/run-cli.js'

const required = chromiumRequired
warnIfSkipped('CONFORM HTML BROWSER TESTS')

// The double breaks exactly one case; the others pass.
const BROKEN = 'sync.continue-full-last-page'
const HEALTHY = 'sync.send-ack'
const CASES = [BROKEN, HEALTHY, 'sync.paging-continue', 'frame.bad-version', 'session.heartbeat-echo']

describe('imh conform --html against a server with one known bug', () => {
  let server: ReferenceServer
  let store: FullPageContinueStore
  let dir: string

  beforeAll(async () => {
    store = new FullPageContinueStore()
    server = await startEmbeddedTarget({store, port: 0})
    dir = await mkdtemp(join(tmpdir(), 'imh-html-'))
  })
  afterAll(async () => {
    await server?.close()
    await store?.close()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  const conform = (...args: string[]) =>
    runCli(['conform', '--target', server.urls.scheduler, '--resolver', server.resolver as string, ...CASES.flatMap((c) => ['--case', c]), ...args])

  it('refuses before running a file it could not write, saying which and why (exit 2, no stack trace)', async () => {
    const r = await conform('--html', join(dir, 'no-such-dir', 'r.html'))
    expect(r.code).toBe(EXIT.USAGE)
    expect(oneLine(r.stderr)).toContain(`--html ${join(dir, 'no-such-dir', 'r.html')}: cannot write the report there (no directory`)
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  })

  it('writes the page after Ctrl-C too: interrupted, exit 130, the cases not run listed', async () => {
    const file = join(dir, 'interrupted.html')
    // One case at a time over a whole flow: the run lasts long enough to be interrupted midway.
    const child = spawn(process.execPath, [BIN, 'conform', '--target', server.urls.scheduler, '--resolver', server.resolver as string, '--flow', 'core', '--concurrency', '1', '--html', file], {env: {...process.env, NO_COLOR: '1'}})
    children.push(child)
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    while (server.connections === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT')
    expect(await exited, stderr).toBe(EXIT.INTERRUPTED)
    const html = await readFile(file, 'utf8')
    expect(html).toContain('INTERRUPTED · exit 130')
    expect(html).toContain('data-verdict="not-run"')
  }, 90_000)

  describe.skipIf(!haveChromium && !required)('the page in headless Chromium', () => {
    let browser: Browser | undefined
    let file: string
    let pageErrors: string[] = []

    beforeAll(async () => {
      file = join(dir, 'conform.html')
      const r = await conform('--html', file, '--junit', join(dir, 'conform.xml'))
      expect(r.code, r.stderr).toBe(EXIT.FAILED)
      expect(r.stdout).toContain(`FAIL       ${BROKEN}`)
      browser = await launchChromium('the conform HTML browser tests')
    }, 90_000)
    afterAll(async () => {
      await browser?.close()
      expect(pageErrors, 'uncaught errors in the page').toEqual([])
    })

    /** The page in a fresh context; every request it makes is recorded. */
    async function open(options: {width?: number; javaScriptEnabled?: boolean} = {}): Promise<{page: Page; requests: string[]}> {
      const context = await browser!.newContext({viewport: {width: options.width ?? 1100, height: 900}, javaScriptEnabled: options.javaScriptEnabled ?? true})
      const page = await context.newPage()
      const requests: string[] = []
      page.on('request', (req) => requests.push(req.url()))
      page.on('pageerror', (err) => pageErrors.push(String(err)))
      await page.goto(pathToFileURL(file).href)
      await page.waitForLoadState('networkidle')
      return {page, requests}
    }

    const caseCard = (page: Page, id: string) => page.locator(`[id="case-${id}"]`)

    it('makes no request beyond the file itself', async () => {
      const {page, requests} = await open()
      expect(requests).toEqual([pathToFileURL(file).href])
      await page.context().close()
    })

    it('shows the outcome, the section table with PROTOCOL.md titles, and the failure with its frame trace', async () => {
      const {page} = await open()
      expect(await page.locator('h1').innerText()).toContain('FAILED · exit 1')
      const sections = page.locator('table.sections')
      expect(await sections.isVisible()).toBe(true)
      expect(await sections.locator('tr', {hasText: '§6.4'}).innerText()).toMatch(/§6\.4\s+SYNC\s+\d+\s+1\s+\d+/)
      const broken = caseCard(page, BROKEN)
      expect(await broken.locator('.msg').isVisible()).toBe(true)
      const trace = broken.locator('.trace table')
      expect(await trace.isVisible()).toBe(true)
      expect(await trace.innerText()).toMatch(/→ send\s+SYNC/)
      expect(await trace.innerText()).toMatch(/← recv/)
      // The quote is collapsed: present, hidden until opened.
      const quote = page.locator('[id="s6.4"] .quote')
      expect(await quote.isVisible()).toBe(false)
      await page.locator('[id="s6.4"] > details > summary').click()
      expect(await quote.innerText()).toContain('continue')
      await page.context().close()
    })

    it('hides passing cases under the verdict filter, and shows them again', async () => {
      const {page} = await open()
      expect(await caseCard(page, HEALTHY).isVisible()).toBe(true)
      await page.locator('.filters button[data-show="failures"]').click()
      expect(await caseCard(page, HEALTHY).isVisible()).toBe(false)
      expect(await caseCard(page, BROKEN).isVisible()).toBe(true)
      // A section left with no visible case goes with them.
      expect(await page.locator('[id="s4.1"]').isVisible()).toBe(false)
      await page.locator('.filters input[data-verdict="pass"]').check()
      expect(await caseCard(page, HEALTHY).isVisible()).toBe(true)
      await page.locator('.filters input[data-verdict="fail"]').uncheck()
      expect(await caseCard(page, BROKEN).isVisible()).toBe(false)
      await page.locator('.filters button[data-show="all"]').click()
      expect(await caseCard(page, BROKEN).isVisible()).toBe(true)
      await page.context().close()
    })

    it('without scripts shows every case and no filter that would do nothing', async () => {
      const {page} = await open({javaScriptEnabled: false})
      expect(await page.locator('.filters').isVisible()).toBe(false)
      for (const id of CASES) expect(await caseCard(page, id).isVisible(), id).toBe(true)
      await page.context().close()
    })

    it('fits a phone\'s width and screenshots as a PNG', async () => {
      for (const [width, name] of [[1100, 'conform.png'], [390, 'conform-narrow.png']] as const) {
        const {page} = await open({width})
        // Wide tables and traces scroll inside their own boxes; the page itself never scrolls sideways.
        expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(width)
        const path = join(dir, name)
        await page.screenshot({path, fullPage: true})
        const png = PNG.sync.read(await readFile(path))
        expect((await stat(path)).size).toBeGreaterThan(0)
        expect(png.width).toBe(width)
        expect(png.height).toBeGreaterThan(400)
        await page.context().close()
      }
    })
  })
})
