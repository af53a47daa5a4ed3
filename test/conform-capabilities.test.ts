import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, filterCases} from '../src/conform/index.js'
import {FEATURES} from '../src/protocol/index.js'
import {EXIT} from '../src/common/exit-codes.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {startAnnouncingScheduler} from './doubles/announcing-scheduler.js'
import {startUnknownCmdDouble} from './doubles/unknown-cmd-services.js'
import {runCli} from './support/run-cli.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** A line of a Node stack trace: `    at fn (file:1:2)` or `    at file:1:2`. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m

/** The embedded reference server running the core only: no feature announced, none offered. */
async function coreOnly(): Promise<ReferenceServer> {
  const server = await startEmbeddedTarget({flows: ['core']})
  closers.push(() => server.close())
  return server
}

async function run(scheduler: string, flows: string[], require?: string[]): Promise<ConformanceReport> {
  const report = await new ConformanceRunner({scheduler, cases: filterCases(ALL_CASES, {flows}), require}).run()
  expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  return report
}

function verdictsOf(report: ConformanceReport, flow: string): string[] {
  return [...new Set(report.cases.filter((c) => c.flow === flow).map((c) => c.verdict))]
}

describe('imh conform against a server that implements only the core (PROTOCOL.md §2–§6)', () => {
  it('the whole catalogue, as the README\'s CI example runs it: exit 0, every optional case unimplemented, no stack trace', async () => {
    const server = await coreOnly()
    const dir = await mkdtemp(join(tmpdir(), 'imh-caps-'))
    closers.push(() => rm(dir, {recursive: true, force: true}))
    const junit = join(dir, 'conform.xml')
    // The README's CI example (a core-only server claims no feature: no --require), with --json.
    const {code, stdout, stderr} = await runCli(['conform', '--target', server.urls.scheduler, '--junit', junit, '--timeout-factor', '2', '--json'], 170_000)
    expect(stderr).not.toMatch(STACK_LINE)
    const report = JSON.parse(stdout) as ConformanceReport
    expect(report.cases).toHaveLength(ALL_CASES.length)
    expect(report.cases.filter((c) => c.verdict === 'error' || c.verdict === 'fail').map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(code, stderr).toBe(EXIT.OK)
    const optional = report.cases.filter((c) => c.flow !== 'core')
    expect(optional.filter((c) => c.verdict !== 'unimplemented').map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(optional[0]!.message).toMatch(/features are absent \(the core only\): the target does not implement "qr" \(PROTOCOL\.md §10\); --require qr makes this a failure/)
    expect(report.cases.filter((c) => c.flow === 'core').every((c) => ['pass', 'info'].includes(c.verdict))).toBe(true)
    expect(report.summary.unimplemented).toBe(optional.length)
    expect(report.summary.ok).toBe(true)
    expect(await readFile(junit, 'utf8')).toMatch(new RegExp(`<testsuites name="imh conform" tests="${report.cases.length}" failures="0" errors="0" skipped="${optional.length}"`))
    expect(report.features).toEqual(FEATURES.map((feature) => ({feature, announced: false, implemented: false, required: false, message: expect.stringMatching(/features are absent/)})))
  }, 180_000)

  it('--require talk: exit 1, every talk case fails naming the flag; the other features stay unimplemented', async () => {
    const server = await coreOnly()
    const {code, stdout, stderr} = await runCli(['conform', '--target', server.urls.scheduler, '--json', '--require', 'talk'], 170_000)
    expect(stderr).not.toMatch(STACK_LINE)
    expect(code, stderr).toBe(EXIT.FAILED)
    const report = JSON.parse(stdout) as ConformanceReport
    const talk = report.cases.filter((c) => c.flow === 'talk')
    expect(talk.length).toBeGreaterThan(0)
    for (const c of talk) expect([c.id, c.verdict, c.message]).toEqual([c.id, 'fail', expect.stringMatching(/^--require talk: the target must implement "talk" \(PROTOCOL\.md §11\), but /)])
    expect(report.cases.filter((c) => c.flow !== 'core' && c.flow !== 'talk').every((c) => c.verdict === 'unimplemented')).toBe(true)
    expect(report.features.find((f) => f.feature === 'talk')).toMatchObject({required: true, implemented: false})
  }, 180_000)

  it('refuses --require of something that is not an optional feature with exit 2', async () => {
    const {code, stderr} = await runCli(['conform', '--require', 'core'])
    expect(code).toBe(EXIT.USAGE)
    expect(stderr).toMatch(/--require/)
  })
})

describe('features announced but not implemented', () => {
  it('long-link features whose first command is answered IMH_ERR_UNKNOWN_CMD are unimplemented, decided once', async () => {
    const server = await startUnknownCmdDouble()
    closers.push(() => server.close())
    const report = await run(server.urls.scheduler, ['talk', 'nearby', 'shake', 'bottle'])
    for (const flow of ['talk', 'nearby', 'shake', 'bottle']) expect([flow, ...verdictsOf(report, flow)]).toEqual([flow, 'unimplemented'])
    expect(report.cases.find((c) => c.flow === 'talk')!.message).toMatch(/^the scheduler announces "talk", but the long link answered TALK_INVITE \(cmd 100\) with IMH_ERR_UNKNOWN_CMD: the target does not implement "talk"/)
    expect(report.cases.find((c) => c.flow === 'bottle')!.message).toMatch(/answered BOTTLE_THROW \(cmd 220\) with IMH_ERR_UNKNOWN_CMD/)
    expect(report.features.map((f) => [f.feature, f.announced, f.implemented])).toEqual([['talk', true, false], ['nearby', true, false], ['shake', true, false], ['bottle', true, false]])
    expect(report.summary.ok).toBe(true)
  }, 60_000)

  it('HTTP features whose first route answers 404 are unimplemented; one announced with an empty group fails; unknown ids are ignored', async () => {
    const server = await coreOnly()
    const double = await startAnnouncingScheduler(server.urls.scheduler, (a) => {
      a.features = ['moments', 'shop', 'qr', 'media', 'teleport']
      // The qr group points at the short link, which has no /qr/new; media stays empty.
      a.groups.qr = [...a.groups.short]
    })
    closers.push(() => double.close())
    const report = await run(double.scheduler, ['moments', 'shop', 'qr', 'media', 'bottle'])
    expect(verdictsOf(report, 'moments')).toEqual(['unimplemented'])
    expect(report.cases.find((c) => c.flow === 'moments')!.message).toMatch(/announces "moments", but the short link answered POST \/friends\/add with 404 IMH_ERR_NOT_FOUND/)
    expect(verdictsOf(report, 'shop')).toEqual(['unimplemented'])
    expect(report.cases.find((c) => c.flow === 'shop')!.message).toMatch(/announces "shop", but the short link answered GET \/shop\/entry with 404/)
    expect(verdictsOf(report, 'qr')).toEqual(['unimplemented'])
    expect(report.cases.find((c) => c.flow === 'qr')!.message).toMatch(/announces "qr", but the qr group answered GET \/qr\/new with 404/)
    // Announced, but no media address: the target breaks its own announcement (§2.2).
    const media = report.cases.filter((c) => c.flow === 'media')
    expect(new Set(media.map((c) => `${c.level} ${c.verdict}`))).toEqual(new Set(media.map((c) => `${c.level} ${c.level === 'MUST' ? 'fail' : c.level === 'SHOULD' ? 'non-strict' : 'info'}`)))
    expect(media[0]!.message).toMatch(/announces "media" in its features but lists no media address/)
    expect(verdictsOf(report, 'bottle')).toEqual(['unimplemented'])
    expect(report.cases.find((c) => c.flow === 'bottle')!.message).toMatch(/do not list "bottle"/)
    expect(report.summary.ok).toBe(false)
  }, 60_000)
})
