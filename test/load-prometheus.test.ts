import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {withOkServer} from './support/ok-server.js'
import {BIN, children, runCli} from './support/run-cli.js'

describe('imh load --prometheus', () => {
  it('serves the live merged metrics while the run goes on, then stops serving', async () => {
    await withOkServer(async (url) => {
      const child = spawn(process.execPath, [BIN, 'load', 'http', '--target', url, '--clients', '2', '--duration', '6s', '--workers', '1', '--prometheus', '127.0.0.1:0', '--quiet'], {env: {...process.env, NO_COLOR: '1'}})
      children.push(child)
      let stdout = ''
      child.stdout.on('data', (d) => (stdout += d))
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      const endpoint = await new Promise<string>((resolve, reject) => {
        const poll = setInterval(() => {
          const m = /prometheus metrics on (http:\/\/\S+)/.exec(stdout)
          if (m) {
            clearInterval(poll)
            resolve(m[1]!)
          }
        }, 50)
        setTimeout(() => reject(new Error(`no endpoint line in ${stdout}`)), 20_000)
      })
      // Scrape until requests have been counted and timed (the first worker reports come a second
      // in). http_reqs counts a request when it is sent, its time comes with the answer: a report
      // can hold the one without the other, so both are waited for.
      let text = ''
      const served = (t: string): boolean => /imh_counter_total\{counter="http_reqs"\} [1-9]/.test(t) && /imh_latency_ms\{metric="http_req_duration"/.test(t)
      for (let i = 0; i < 40 && !served(text); i++) {
        await new Promise((r) => setTimeout(r, 250))
        const res = await fetch(endpoint)
        expect(res.headers.get('content-type')).toContain('text/plain')
        text = await res.text()
      }
      expect(text).toMatch(/imh_counter_total\{counter="http_reqs"\} [1-9]\d*/)
      expect(text).toMatch(/imh_latency_ms\{metric="http_req_duration",quantile="0\.99"\} [\d.]+/)
      expect(text).toMatch(/^imh_clients \d+$/m)
      expect(await exited).toBe(0)
      await expect(fetch(endpoint)).rejects.toThrow()
    })
  }, 60_000)

  it('a bad address is a usage error naming the flag', async () => {
    const r = await runCli(['load', 'http', '--target', 'http://127.0.0.1:9/', '--prometheus', 'nowhere'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--prometheus: expected [HOST]:PORT')
  })
})
