import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startReferenceServer} from '../reference-server/index.js'
import {brokenVerdicts, verdicts} from './conform-helpers.js'
import {callbackEcho} from './doubles/qr-callback-echo.js'
import {confirmOnScan} from './doubles/qr-confirm-on-scan.js'
import {type QrTamper, startQrDouble} from './doubles/qr-proxy.js'
import {ticketReplay} from './doubles/qr-ticket-replay.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const QR_IDS = selectCases(ALL_CASES, ['qr.*']).map((c) => c.id)

/** Runs every qr case against the reference qr group behind a proxy that plants `tamper`'s bug. */
async function conformQr(tamper?: QrTamper, options: {qr?: boolean} = {}): Promise<ConformanceReport> {
  const double = await startQrDouble(tamper, options)
  closers.push(() => double.close())
  const report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, ['qr.*'])}).run()
  expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  return report
}

/** Every qr case passes but `failing`, which fail. */
function allPassBut(failing: string[]): Record<string, string> {
  return Object.fromEntries(QR_IDS.map((id) => [id, failing.includes(id) ? 'fail' : 'pass']))
}

function message(report: ConformanceReport, id: string): string {
  return report.cases.find((c) => c.id === id)!.message
}

describe('qr cases against broken doubles', () => {
  it('the proxy alone changes nothing: every qr case passes through it', async () => {
    expect(verdicts(await conformQr())).toEqual(allPassBut([]))
  })

  it('a target that announces qr but lists no qr address: every qr case fails (PROTOCOL.md §2.2)', async () => {
    // Until features were announced (issue 12) this was not-applicable; the reference answer announces qr, so it is a failure.
    const report = await conformQr(undefined, {qr: false})
    expect(verdicts(report)).toEqual(brokenVerdicts(['qr.*']))
    expect(report.summary.ok).toBe(false)
    expect(message(report, 'qr.ticket-login')).toMatch(/announces "qr" in its features but lists no qr address/)
  })

  it('a target with the default hold (25 s) and lifetime (90 s) and --max-wait 20 s: the timer cases are not applicable, the others run', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const cases = selectCases(ALL_CASES, ['qr.poll-holds', 'qr.expiry', 'qr.scan-wakes-poll', 'qr.cancel'])
    const report = await new ConformanceRunner({scheduler: server.urls.scheduler, cases, maxWaitMs: 20_000}).run()
    expect(verdicts(report)).toEqual({'qr.poll-holds': 'not-applicable', 'qr.expiry': 'not-applicable', 'qr.scan-wakes-poll': 'pass', 'qr.cancel': 'pass'})
    expect(message(report, 'qr.expiry')).toMatch(/^ttlSeconds is 90000 ms, longer than --max-wait 20 s; raise --max-wait to 90 or more/)
    expect(message(report, 'qr.poll-holds')).toMatch(/^holdMs is 25000 ms, longer than --max-wait 20 s/)
  })

  it('a qr group that logs the browser in on the scan, without a confirm, fails qr.confirm-wakes-poll', async () => {
    const report = await conformQr(confirmOnScan)
    const v = verdicts(report)
    expect(v['qr.confirm-wakes-poll']).toBe('fail')
    expect(message(report, 'qr.confirm-wakes-poll')).toMatch(/last=201 was answered \{"code":200,"redirectUrl":.*before anything happened/)
    // Every case that needs a scanned, not yet confirmed uuid sees the 200 too early.
    for (const id of ['qr.scan-wakes-poll', 'qr.cancel', 'qr.confirm-not-scanned', 'qr.confirm-wrong-user', 'qr.scan-twice', 'qr.scan-ignores-body-user', 'qr.ticket-login', 'qr.ticket-once']) {
      expect(v[id], id).toBe('fail')
    }
    expect(message(report, 'qr.scan-wakes-poll')).toMatch(/expected 201, got 200/)
    // What does not involve a scan is unaffected.
    for (const id of ['qr.new-login', 'qr.uuid-entropy', 'qr.image-png', 'qr.image-unknown', 'qr.page', 'qr.poll-holds', 'qr.poll-unknown', 'qr.jsonp', 'qr.callback-bad', 'qr.expiry', 'qr.scan-unknown', 'qr.ticket-unknown', 'qr.session-bad-token']) {
      expect(v[id], id).toBe('pass')
    }
  })

  it('a qr group that accepts a used ticket again fails qr.ticket-once, and only it', async () => {
    const report = await conformQr(ticketReplay())
    expect(verdicts(report)).toEqual(allPassBut(['qr.ticket-once']))
    expect(message(report, 'qr.ticket-once')).toMatch(/second GET .*\/qr\/login\?ticket=.*expected ret 409 IMH_ERR_QR_TICKET_USED, got HTTP 200/)
  })

  it('a qr group that echoes a refused callback name as script fails qr.callback-bad, and only it', async () => {
    const report = await conformQr(callbackEcho)
    expect(verdicts(report)).toEqual(allPassBut(['qr.callback-bad']))
    expect(message(report, 'qr.callback-bad')).toMatch(/callback=alert\(1\)\/\/: expected HTTP 400 .*IMH_ERR_BAD_CALLBACK.*got HTTP 200 alert\(1\)\/\/\(/)
  })
})
