// imh load's HTML report in a real headless Chromium: made from a real run, opened from disk with
// no network, every chart drawn by uPlot, a screenshot taken; and two runs side by side.
import {mkdtempSync, readFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Browser} from 'playwright-core'
import {PNG} from 'pngjs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {chromiumRequired, haveChromium, launchChromium, warnIfSkipped} from './support/chromium.js'
import {withOkServer} from './support/ok-server.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-report-html-'))
warnIfSkipped('LOAD HTML REPORT BROWSER TESTS')

describe('imh load --html and imh report', () => {
  const single = join(dir, 'single.html')
  const pair = join(dir, 'pair.html')

  beforeAll(async () => {
    await withOkServer(async (url) => {
      for (const name of ['base', 'cand']) {
        const r = await runCli(['load', 'http', '--target', url, '--clients', '2', '--duration', '3s', '--workers', '0', '--quiet', '--out', join(dir, `${name}.json`), ...(name === 'base' ? ['--html', single] : [])])
        expect(r.code, r.stderr).toBe(0)
      }
    })
    const r = await runCli(['report', join(dir, 'base.json'), join(dir, 'cand.json'), '--html', pair])
    expect(r.code, r.stderr).toBe(0)
  }, 90_000)

  it('is one self-contained file: uPlot inlined, no src or href to fetch', () => {
    const html = readFileSync(single, 'utf8')
    expect(html).toContain('uPlot')
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/)
  })

  describe.skipIf(!haveChromium && !chromiumRequired)('in headless Chromium', () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await launchChromium('the load HTML report tests')
    })
    afterAll(async () => {
      await browser?.close()
    })

    async function open(file: string): Promise<{charts: number; drawn: number; errors: string[]; requests: string[]; png: string}> {
      const page = await browser.newPage({viewport: {width: 1120, height: 900}})
      const errors: string[] = []
      const requests: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('request', (req) => requests.push(req.url()))
      await page.goto(pathToFileURL(file).href)
      // A string: the tests compile without the DOM's types.
      await page.waitForFunction(`(() => {
        const n = Number(document.body.getAttribute('data-charts'))
        return n > 0 && document.querySelectorAll('.chart[data-drawn]').length === n
      })()`, undefined, {timeout: 20_000})
      const charts = Number(await page.getAttribute('body', 'data-charts'))
      const drawn = await page.locator('.chart[data-drawn] canvas').count()
      const png = join(dir, `${file.endsWith('pair.html') ? 'pair' : 'single'}.png`)
      await page.screenshot({path: png, fullPage: true})
      await page.close()
      return {charts, drawn, errors, requests, png}
    }

    it('draws every chart (latency per second, distribution, clients, counters, lag) and screenshots it', async () => {
      const r = await open(single)
      expect(r.errors).toEqual([])
      expect(r.requests.filter((u) => !u.startsWith('file:'))).toEqual([])
      // http_req_duration per second and its distribution, clients, http_reqs, iterations, data_received, lag at least.
      expect(r.charts).toBeGreaterThanOrEqual(6)
      expect(r.drawn).toBe(r.charts)
      const img = PNG.sync.read(readFileSync(r.png))
      expect(img.height).toBeGreaterThan(900)
      // Not a blank page: many distinct colours drawn.
      const colours = new Set<number>()
      for (let i = 0; i < img.data.length; i += 4 * 97) colours.add(img.data.readUInt32BE(i))
      expect(colours.size).toBeGreaterThan(20)
      expect(statSync(r.png).size).toBeGreaterThan(20_000)
    }, 60_000)

    it('draws two runs side by side on the same charts', async () => {
      const r = await open(pair)
      expect(r.errors).toEqual([])
      expect(r.drawn).toBe(r.charts)
      expect(readFileSync(pair, 'utf8')).toMatch(/<b>base<\/b>[\s\S]*<b>cand<\/b>/)
    }, 60_000)
  })
})
