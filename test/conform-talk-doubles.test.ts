import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'
import {AnyAddressRelay, silentHangup, startTalkDouble, wrongHangupReason} from './doubles/talk-services.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const TALK_IDS = selectCases(ALL_CASES, ['talk.*']).map((c) => c.id)

async function run(server: ReferenceServer, globs = ['talk.*']): Promise<ConformanceReport> {
  closers.push(() => server.close())
  return conform(server, globs)
}

function message(report: ConformanceReport, id: string): string {
  return report.cases.find((c) => c.id === id)!.message
}

function allPassBut(failing: string[]): Record<string, string> {
  return Object.fromEntries(TALK_IDS.map((id) => [id, failing.includes(id) ? 'fail' : 'pass']))
}

describe('talk cases', () => {
  it('are the MUST cases of §11.2 and §11.3', () => {
    expect(TALK_IDS).toEqual([
      'talk.invite-join', 'talk.hangup', 'talk.cancel', 'talk.decline', 'talk.busy', 'talk.offline', 'talk.ring-timeout', 'talk.not-party',
      'talk.relay-forward', 'talk.relay-hijack', 'talk.relay-unknown-token', 'talk.relay-ended-token',
    ])
    for (const c of selectCases(ALL_CASES, ['talk.*'])) {
      expect(c.level).toBe('MUST')
      expect(['11.2', '11.3']).toContain(c.section)
    }
  })

  it('the reference server passes every talk case', async () => {
    expect(verdicts(await run(await startEmbeddedTarget()))).toEqual(allPassBut([]))
  })

  it('a ring timeout longer than --max-wait makes talk.ring-timeout not applicable', async () => {
    const server = await startEmbeddedTarget({limits: {talkRingTimeoutMs: 60_000}})
    closers.push(() => server.close())
    const report = await new ConformanceRunner({scheduler: server.urls.scheduler, cases: selectCases(ALL_CASES, ['talk.ring-timeout']), maxWaitMs: 10_000}).run()
    expect(verdicts(report)).toEqual({'talk.ring-timeout': 'not-applicable'})
    expect(message(report, 'talk.ring-timeout')).toMatch(/ringTimeoutMs is 60000 ms, longer than --max-wait 10 s/)
    // The case hung its call up: nobody is left busy.
    expect(report.summary.ok).toBe(true)
  })

  it('(a) a relay forwarding from any address with a valid token fails talk.relay-hijack', async () => {
    const report = await run(await startTalkDouble({relay: (o) => new AnyAddressRelay(o)}), ['talk.relay-*'])
    expect(verdicts(report)).toEqual({'talk.relay-forward': 'pass', 'talk.relay-hijack': 'fail', 'talk.relay-unknown-token': 'pass', 'talk.relay-ended-token': 'pass'})
    expect(message(report, 'talk.relay-hijack')).toMatch(/^the callee received 10 datagrams a stranger socket sent with the call's token as the caller \(hijack\)/)
  })

  it('(b) signalling that sends no TALK_ENDED on hang-up fails talk.hangup', async () => {
    const report = await run(await startTalkDouble({talk: silentHangup}))
    expect(verdicts(report)).toEqual(allPassBut(['talk.hangup', 'talk.invite-join']))
    expect(message(report, 'talk.hangup')).toMatch(/^the caller got no TALK_ENDED for call .* \(expected reason "hangup"\)/)
  })

  it('(b) signalling that ends a hung-up call with reason "cancelled" fails talk.hangup', async () => {
    const report = await run(await startTalkDouble({talk: wrongHangupReason('cancelled')}), ['talk.hangup'])
    expect(verdicts(report)).toEqual({'talk.hangup': 'fail'})
    expect(message(report, 'talk.hangup')).toBe('TALK_ENDED to the caller: reason: expected "hangup", got "cancelled"')
  })
})
