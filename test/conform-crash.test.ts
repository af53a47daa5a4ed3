import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {EXIT} from '../src/common/exit-codes.js'
import type {ConformanceReport} from '../src/conform/index.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {startUnknownCmdDouble} from './doubles/unknown-cmd-services.js'
import {runCli} from './support/run-cli.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** A line of a Node stack trace: `    at fn (file:1:2)` or `    at file:1:2`. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

describe('imh conform against a server that answers every non-core long-link command IMH_ERR_UNKNOWN_CMD', () => {
  it('ends normally with a documented exit code, no stack trace, and writes the JSON and JUnit reports', async () => {
    const server: ReferenceServer = await startUnknownCmdDouble()
    closers.push(() => server.close())
    const dir = await mkdtemp(join(tmpdir(), 'imh-crash-'))
    closers.push(() => rm(dir, {recursive: true, force: true}))
    const junit = join(dir, 'conform.xml')
    // The flows of the long link (once shake.link-closed crashed the process here), and the core beside them.
    const flows = ['core', 'talk', 'nearby', 'shake', 'bottle'].flatMap((f) => ['--flow', f])
    const {code, stdout, stderr} = await runCli(['conform', '--target', server.urls.scheduler, ...flows, '--json', '--junit', junit], 170_000)
    expect(stderr).not.toMatch(STACK_LINE)
    // Optional features still fail there (not yet reported as unimplemented): a failing server, not a broken run.
    expect(code, stderr).toBe(EXIT.FAILED)
    const report = JSON.parse(stdout) as ConformanceReport
    expect(report.faults).toEqual([])
    expect(report.interrupted).toBe(false)
    expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    expect(report.cases.find((c) => c.id === 'shake.link-closed')).toMatchObject({verdict: 'fail', message: expect.stringMatching(/IMH_ERR_UNKNOWN_CMD/)})
    expect(report.cases.filter((c) => c.flow === 'core').every((c) => c.verdict !== 'fail')).toBe(true)
    const xml = await readFile(junit, 'utf8')
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /)
    expect(xml.match(/<testcase /g)?.length).toBe(report.cases.length)
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true)
  }, 180_000)
})
