import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {packageRoot} from '../src/common/package-root.js'
import {withOkServer} from './support/ok-server.js'
import {BIN, children, runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-cli-'))

describe('imh load summary', () => {
  it('an http constant-vus run counts its clients and prints no uncorrected twins (closed model)', async () => {
    await withOkServer(async (url) => {
      const file = join(dir, 'http-vus.yaml')
      writeFileSync(file, `scenarios:\n  get: {scenario: http, executor: constant-vus, vus: 3, duration: 2s, url: '${url}'}\n`)
      const out = join(dir, 'http-vus.json')
      const r = await runCli(['load', file, '--target', url, '--workers', '0', '--out', out, '--quiet'], 60_000)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain('clients peak 3')
      expect(r.stdout).toContain('http_req_duration')
      expect(r.stdout).not.toContain('uncorrected')
      // results.json keeps both: its format promises the twin (docs/results-schema.md).
      const doc = JSON.parse(readFileSync(out, 'utf8')) as {metrics: Record<string, unknown>}
      expect(Object.keys(doc.metrics)).toContain('http_req_duration_uncorrected')
    })
  }, 70_000)
})

describe('imh load interrupted', () => {
  it('writes its summary and results, then exits 130 as imh conform does', async () => {
    const out = join(dir, 'interrupted.json')
    const child = spawn(process.execPath, [BIN, 'load', 'smoke', '--clients', '2', '--duration', '60s', '--workers', '0', '--out', out], {env: {...process.env, NO_COLOR: '1'}})
    children.push(child)
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    // The first plain progress line comes 5 s into the schedule: the run is under way then.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/^\[00:\d\d/m.test(stdout)) {
          clearInterval(poll)
          resolve()
        }
      }, 100)
    })
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(stdout).toContain('RUN ABORTED')
    expect(stdout).toContain('interrupted by the user')
    expect(stdout).toContain(`results written to ${out}`)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ok: false, aborted: {reason: 'interrupted by the user'}})
  }, 60_000)
})

describe('imh load from its bundles', () => {
  it('the build writes the bundles a run starts from, and a run from them or (IMH_BUNDLE=0) from the plain modules measures the same', async () => {
    for (const name of ['load-command', 'worker-main']) expect(existsSync(join(packageRoot(), 'dist/bundle', `${name}.js`)), name).toBe(true)
    await withOkServer(async (url) => {
      const file = join(dir, 'http-bundle.yaml')
      writeFileSync(file, `scenarios:\n  get: {scenario: http, executor: constant-vus, vus: 2, duration: 1s, url: '${url}'}\n`)
      for (const bundle of ['1', '0']) {
        const out = join(dir, `http-bundle-${bundle}.json`)
        const r = await runCli(['load', file, '--target', url, '--workers', '1', '--out', out, '--quiet'], 60_000, {IMH_BUNDLE: bundle})
        expect(r.code, r.stderr).toBe(0)
        const doc = JSON.parse(readFileSync(out, 'utf8')) as {metrics: {http_req_duration: {count: number}}; counters: {errors?: number}}
        expect(doc.metrics.http_req_duration.count).toBeGreaterThan(0)
        expect(doc.counters.errors ?? 0).toBe(0)
      }
    })
  }, 70_000)
})
