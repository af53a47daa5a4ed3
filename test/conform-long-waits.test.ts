import {afterEach, describe, expect, it} from 'vitest'
import {type ReadyChild, spawnReady} from '../src/common/ready-line.js'
import {EXIT} from '../src/common/exit-codes.js'
import {ALL_CASES, type ConformanceReport, MAX_WAIT_SECONDS} from '../src/conform/index.js'
import type {ReadyLine} from '../reference-server/run-until-signal.js'
import {BIN, runCli} from './support/run-cli.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** Every case that waits out an announced limit, as the catalogue declares them. */
const WAITING = ALL_CASES.filter((c) => c.waits !== undefined)
/** Over --max-wait, what a run of only those cases may take: start-up, registering, the slack around each wait. */
const MARGIN_MS = 20_000

// A default `imh serve` (idle time-out 90 s, QR hold 25 s and lifetime 90 s, ring 30 s, position and
// order lifetimes 90 s) is checked with the default --max-wait: no case is left not applicable, and
// the waits overlap, so the run lasts about the longest of them. Mostly idle time (~2 minutes).
describe('imh conform against a default imh serve: the cases that wait out long limits', () => {
  it('judges every one of them (none not applicable) in one run under --max-wait plus a small margin', async () => {
    expect(WAITING.map((c) => c.id)).toEqual(expect.arrayContaining(['session.idle-timeout', 'session.heartbeat-keeps-alive', 'qr.expiry', 'talk.ring-timeout', 'nearby.expiry', 'shop.pay-expired']))
    const serve: ReadyChild<ReadyLine> = await spawnReady<ReadyLine>(BIN, ['serve', '--port', '0'], {what: 'imh serve'})
    closers.push(() => serve.close())
    const {scheduler, dns} = serve.ready
    const maxWaitMs = MAX_WAIT_SECONDS.default * 1000
    const t0 = performance.now()
    const {code, stdout, stderr} = await runCli(['conform', '--target', scheduler, '--resolver', dns!, '--json', ...WAITING.flatMap((c) => ['--case', c.id])], maxWaitMs + 60_000)
    const took = performance.now() - t0
    const report = JSON.parse(stdout) as ConformanceReport
    const judged = report.cases.map((c) => `${c.id}: ${c.verdict}${c.verdict === 'pass' ? '' : ` ${c.message}`}`)
    expect(judged, stderr).toEqual(WAITING.map((c) => `${c.id}: pass`))
    expect(code, stderr).toBe(EXIT.OK)
    expect(report.durationMs).toBeLessThan(maxWaitMs + MARGIN_MS)
    expect(took).toBeLessThan(maxWaitMs + MARGIN_MS + 10_000)
  }, 240_000)
})
