import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import {brokenVerdicts, conform, verdicts} from './conform-helpers.js'
import {type StunTamper, answersMalformed, dropFingerprint, firstPortOnly, plainMappedAddress, startStunDouble, wrongFingerprint} from './doubles/stun-responder.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const STUN_IDS = selectCases(ALL_CASES, ['stun.*']).map((c) => c.id)

/** Runs every stun case against a relay group of the reference responder with `tamper`'s bug. */
async function conformStun(tamper?: StunTamper): Promise<ConformanceReport> {
  const double = await startStunDouble(tamper)
  closers.push(() => double.close())
  const report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, ['stun.*'])}).run()
  expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  return report
}

function allPassBut(failing: string[]): Record<string, string> {
  return Object.fromEntries(STUN_IDS.map((id) => [id, failing.includes(id) ? 'fail' : 'pass']))
}

function message(report: ConformanceReport, id: string): string {
  return report.cases.find((c) => c.id === id)!.message
}

describe('stun cases', () => {
  it('are the five of §11.1, all MUST', () => {
    expect(STUN_IDS).toEqual(['stun.binding-every-port', 'stun.transaction-id', 'stun.fingerprint', 'stun.rfc5769-request', 'stun.malformed-ignored'])
    for (const c of selectCases(ALL_CASES, ['stun.*'])) expect([c.section, c.level]).toEqual(['11.1', 'MUST'])
  })

  it('the reference server passes every stun case', async () => {
    const server = await startEmbeddedTarget()
    closers.push(() => server.close())
    expect(verdicts(await conform(server, ['stun.*']))).toEqual(allPassBut([]))
  })

  it('a target that announces talk but lists no relay address: every stun case fails (PROTOCOL.md §2.2)', async () => {
    // The reference server always offers 1–16 STUN ports: serve its answer with the relay group emptied.
    const double = await startStunDouble(undefined, {ports: 0})
    closers.push(() => double.close())
    const report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, ['stun.*'])}).run()
    // Until features were announced (issue 12) this was not-applicable; the reference answer announces talk, so it is a failure.
    expect(verdicts(report)).toEqual(brokenVerdicts(['stun.*']))
    expect(message(report, 'stun.fingerprint')).toMatch(/announces "talk" in its features but lists no relay address/)
    expect(report.summary.ok).toBe(false)
  })

  it('the double with the reference responder unchanged passes every stun case', async () => {
    expect(verdicts(await conformStun())).toEqual(allPassBut([]))
  })

  it('(a) the plain, un-XORed address in XOR-MAPPED-ADDRESS fails stun.binding-every-port', async () => {
    const report = await conformStun(plainMappedAddress)
    expect(verdicts(report)).toEqual(allPassBut(['stun.binding-every-port', 'stun.rfc5769-request']))
    expect(message(report, 'stun.binding-every-port')).toMatch(/3 of 3 relay addresses: .*XOR-MAPPED-ADDRESS is .* but the request came from 127\.0\.0\.1:\d+/)
  })

  it('(b) answering on the first relay port only fails stun.binding-every-port', async () => {
    const report = await conformStun(firstPortOnly)
    expect(verdicts(report)).toEqual(allPassBut(['stun.binding-every-port']))
    expect(message(report, 'stun.binding-every-port')).toMatch(/^2 of 3 relay addresses: udp:\/\/127\.0\.0\.1:\d+: no answer after 5 sends; udp:/)
  })

  it('(c) an answer without FINGERPRINT fails stun.fingerprint', async () => {
    const report = await conformStun(dropFingerprint)
    expect(verdicts(report)).toEqual(allPassBut(['stun.fingerprint', 'stun.rfc5769-request']))
    expect(message(report, 'stun.fingerprint')).toMatch(/carries no FINGERPRINT/)
  })

  it('(c) an answer with a wrong FINGERPRINT fails stun.fingerprint', async () => {
    const report = await conformStun(wrongFingerprint)
    expect(verdicts(report)['stun.fingerprint']).toBe('fail')
    expect(message(report, 'stun.fingerprint')).toMatch(/FINGERPRINT does not match/)
  })

  it('(d) answering a malformed datagram fails stun.malformed-ignored', async () => {
    const report = await conformStun(answersMalformed)
    expect(verdicts(report)).toEqual(allPassBut(['stun.malformed-ignored']))
    expect(message(report, 'stun.malformed-ignored')).toMatch(/^text that is not STUN was answered .*must be dropped silently/)
  })
})
