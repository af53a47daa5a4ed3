import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parse} from 'junit2json'
import {describe, expect, it} from 'vitest'
import {withOkServer} from './support/ok-server.js'
import {oneLine, runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-ci-outputs-'))

describe('imh load for CI: JUnit and GitHub Actions', () => {
  it('refuses a --junit or --html path it could not write before running anything (exit 2, a sentence)', async () => {
    for (const flag of ['--junit', '--html']) {
      const r = await runCli(['load', 'http', '--target', 'http://127.0.0.1:9/', flag, join(dir, 'no-such-dir', 'r.out')])
      expect(r.code, flag).toBe(2)
      expect(oneLine(r.stderr)).toContain(`${flag} ${join(dir, 'no-such-dir', 'r.out')}: cannot write the report there (no directory`)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })


  it('writes JUnit with a testcase per threshold, and under Actions a job summary and an annotation per failed threshold', async () => {
    await withOkServer(async (url) => {
      const profile = join(dir, 'gate.yaml')
      // One threshold that holds and one no loopback server can meet.
      writeFileSync(profile, `scenarios:\n  get: {scenario: http, executor: constant-vus, vus: 2, duration: 1s, url: '${url}'}\nthresholds:\n  errors: ['count==0']\n  http_req_duration: ['p(99)<0.001']\n`)
      const junit = join(dir, 'load.xml')
      const summary = join(dir, 'summary.md')
      const r = await runCli(['load', profile, '--target', url, '--workers', '0', '--junit', junit, '--quiet'], 60_000, {GITHUB_STEP_SUMMARY: summary})
      expect(r.code).toBe(99)
      const doc = (await parse(readFileSync(junit, 'utf8'))) as {tests?: number; failures?: number; testsuite?: Array<{testcase?: Array<{name?: string; failure?: unknown[]}>}>}
      expect(doc).toMatchObject({tests: 4, failures: 1})
      const failed = doc.testsuite![0]!.testcase!.filter((c) => c.failure).map((c) => c.name)
      expect(failed).toEqual(['http_req_duration p(99)<0.001'])
      expect(readFileSync(summary, 'utf8')).toMatch(/^### imh load `gate` → http:\/\/127\.0\.0\.1:\d+\/: ❌ failed \(1 of 2 thresholds\)/)
      expect(r.stdout).toMatch(/^::error title=imh load threshold http_req_duration::http_req_duration p\(99\)<0\.001 failed: actual [\d.]+$/m)
    })
  }, 70_000)
})
