import {describe, expect, it} from 'vitest'
import type {ConformanceReport} from '../types.js'
import {formatJunit} from './junit.js'
import {formatReport, formatSectionSpan} from './text.js'

function report(strict = false): ConformanceReport {
  return {
    tool: {name: 'imharness', version: '0.1.0'}, protocolVersion: 1, target: {scheduler: 'http://t/dns', embedded: false},
    startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1234, strict,
    summary: {pass: 1, 'non-strict': 1, fail: 1, info: 0, 'not-applicable': 1, unimplemented: 0, error: 0, 'not-run': 0, total: 4, ok: false},
    faults: [],
    interrupted: false,
    features: [],
    cases: [
      {id: 'a.pass', flow: 'a', section: '2.2', level: 'MUST', requirement: 'r', verdict: 'pass', durationMs: 5, message: ''},
      {id: 'a.fail', flow: 'a', section: '4.1', level: 'MUST', requirement: 'r', verdict: 'fail', durationMs: 5, message: 'got <ERROR> & "more"\u0001', trace: [{t: 0, dir: 'send', cmd: 6}]},
      {id: 'b.soft', flow: 'b', section: '5.3', level: 'SHOULD', requirement: 'r', verdict: 'non-strict', durationMs: 5, message: 'meh'},
      {id: 'b.na', flow: 'b', section: '5.4', level: 'MUST', requirement: 'r', verdict: 'not-applicable', durationMs: 0, message: 'too long'},
    ],
  }
}

describe('formatJunit', () => {
  it('writes one testcase per case, failures escaped, n/a as skipped', () => {
    const xml = formatJunit(report())
    expect(xml.match(/<testcase /g)?.length).toBe(4)
    expect(xml).toContain('failures="1"')
    expect(xml).toContain('skipped="1"')
    expect(xml).toContain('message="got &lt;ERROR&gt; &amp; &quot;more&quot;"')
    expect(xml).not.toContain('\u0001')
    expect(xml).toContain('classname="a" name="a.fail [MUST §4.1]"')
  })

  it('writes one testsuite per flow, with that flow\'s counts', () => {
    const xml = formatJunit(report())
    expect(xml.match(/<testsuite /g)?.length).toBe(2)
    expect(xml).toContain('<testsuite name="imh conform a http://t/dns" tests="2" failures="1" errors="0" skipped="0"')
    expect(xml).toContain('<testsuite name="imh conform b http://t/dns" tests="2" failures="0" errors="0" skipped="1"')
  })

  it('counts non-strict verdicts as failures only under --strict', () => {
    expect(formatJunit(report(true))).toContain('failures="2"')
    expect(formatJunit(report(false))).not.toMatch(/b\.soft[^]*?<failure/)
  })
})

describe('formatReport', () => {
  it('shows every case, the counts and the outcome without colour codes when asked', () => {
    const text = formatReport(report(), false)
    expect(text).toContain('FAIL       a.fail')
    expect(text).toContain('4 cases in 1.2 s: 1 pass, 1 non-strict, 1 fail, 1 not-applicable')
    expect(text).toContain('FAILED: 1 MUST case(s) failed')
    expect(text).not.toContain('\u001b[')
  })

  it('heads each flow with the sections its cases cite', () => {
    const text = formatReport(report(), false)
    expect(text).toContain('a (PROTOCOL.md §2, §4)\nPASS')
    expect(text).toContain('b (PROTOCOL.md §5)\nNON-STRICT')
  })
})

describe('unimplemented cases', () => {
  const why = 'the scheduler answer\'s features are absent (the core only): the target does not implement Real-time talk (PROTOCOL.md §11)'
  function withTalk(): ConformanceReport {
    const r = report()
    const talk = ['talk.a', 'talk.b'].map((id) => ({id, flow: 'talk', section: '11.2', level: 'MUST' as const, requirement: 'r', verdict: 'unimplemented' as const, durationMs: 0, message: why}))
    return {...r, cases: [...r.cases, ...talk], summary: {...r.summary, unimplemented: 2, total: 6}}
  }

  it('are skipped in JUnit, with the reason', () => {
    const xml = formatJunit(withTalk())
    expect(xml).toContain('<testsuite name="imh conform talk http://t/dns" tests="2" failures="0" errors="0" skipped="2"')
    expect(xml).toContain(`<skipped message="unimplemented: the scheduler answer&apos;s`.replace('&apos;', "'"))
  })

  it('of a flow unimplemented for one reason are shown in brief in the text report', () => {
    const text = formatReport(withTalk(), false)
    expect(text).toContain(`talk (PROTOCOL.md §11)\nUNIMPL     all 2 case(s) of talk\n           ${why}`)
    expect(text).not.toContain('talk.a')
    expect(text).toContain('2 unimplemented')
  })
})

describe('formatSectionSpan', () => {
  it('collapses consecutive top-level sections into ranges', () => {
    expect(formatSectionSpan(['2.2', '3.1', '4', '5.3', '6.4', '6.8'])).toBe('§2–§6')
    expect(formatSectionSpan(['12.1', '10.2', '10.3', '11.1'])).toBe('§10–§12')
    expect(formatSectionSpan(['16.2', '14.1'])).toBe('§14, §16')
  })
})
