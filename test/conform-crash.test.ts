import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {EXIT} from '../src/common/exit-codes.js'
import type {ConformanceReport} from '../src/conform/index.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {startUnknownCmdDouble} from './doubles/unknown-cmd-services.js'
import {BIN, children, runCli} from './support/run-cli.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** A line of a Node stack trace: `    at fn (file:1:2)` or `    at file:1:2`. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

/** The double, and the arguments of a whole-catalogue run against it writing JSON on stdout and JUnit to `junit`. */
async function start(): Promise<{server: ReferenceServer; junit: string; args: string[]}> {
  const server = await startUnknownCmdDouble()
  closers.push(() => server.close())
  const dir = await mkdtemp(join(tmpdir(), 'imh-crash-'))
  closers.push(() => rm(dir, {recursive: true, force: true}))
  const junit = join(dir, 'conform.xml')
  return {server, junit, args: ['conform', '--target', server.urls.scheduler, '--resolver', server.resolver!, '--json', '--junit', junit]}
}

describe('imh conform against a server that answers every non-core long-link command IMH_ERR_UNKNOWN_CMD', () => {
  it('ends normally with a documented exit code, no stack trace, and writes the JSON and JUnit reports', async () => {
    const {junit, args} = await start()
    // The whole catalogue, as the README's CI example runs it (shake.link-closed once crashed the process here).
    const {code, stdout, stderr} = await runCli(args, 170_000)
    expect(stderr).not.toMatch(STACK_LINE)
    // The features are announced, but their first commands are answered IMH_ERR_UNKNOWN_CMD: unimplemented, and the run passes.
    expect(code, stderr).toBe(EXIT.OK)
    const report = JSON.parse(stdout) as ConformanceReport
    expect(report.faults).toEqual([])
    expect(report.interrupted).toBe(false)
    expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    expect(report.cases.find((c) => c.id === 'shake.link-closed')).toMatchObject({verdict: 'unimplemented', message: expect.stringMatching(/IMH_ERR_UNKNOWN_CMD/)})
    expect(report.cases.filter((c) => c.flow === 'core').every((c) => c.verdict !== 'fail')).toBe(true)
    const xml = await readFile(junit, 'utf8')
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /)
    expect(xml.match(/<testcase /g)?.length).toBe(report.cases.length)
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true)
  }, 180_000)

  it('on SIGINT stops, reports the cases not run as not-run, writes the reports and exits 130', async () => {
    const {server, junit, args} = await start()
    // One case at a time: the run lasts long enough to be interrupted midway.
    const child = spawn(process.execPath, [BIN, ...args, '--concurrency', '1'], {env: {...process.env, NO_COLOR: '1'}})
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    // Interrupt once cases are running (a long link is up), however slowly the CLI started.
    while (server.connections === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT')
    const code = await exited
    expect(stderr).not.toMatch(STACK_LINE)
    expect(code, stderr).toBe(EXIT.INTERRUPTED)
    const report = JSON.parse(stdout) as ConformanceReport
    expect(report.interrupted).toBe(true)
    expect(report.summary['not-run']).toBeGreaterThan(0)
    expect(report.cases.length).toBe(report.summary.total)
    expect(await readFile(junit, 'utf8')).toContain(`skipped="${report.summary['not-applicable'] + report.summary.unimplemented + report.summary['not-run']}"`)
  }, 120_000)
})
