import {describe, expect, it} from 'vitest'
import {ImhError} from '../protocol/index.js'
import {CaseFailure, NotApplicable} from './failures.js'
import {runOk, verdictFor} from './runner.js'
import {filterCases, selectCases} from './select.js'
import {countVerdicts} from './verdicts.js'
import type {ConformanceCase, Level} from './types.js'

const mk = (id: string, level: Level = 'MUST', flow = id.split('.')[0]!, section = '1'): ConformanceCase => ({id, flow, section, level, requirement: 'r', run: async () => {}})

describe('verdictFor', () => {
  it.each([
    ['MUST', {ok: true}, 'pass'],
    ['SHOULD', {ok: true}, 'pass'],
    ['INFO', {ok: true, info: 'p50 1 ms'}, 'info'],
    ['MUST', {ok: false, error: new CaseFailure('x')}, 'fail'],
    ['SHOULD', {ok: false, error: new CaseFailure('x')}, 'non-strict'],
    ['INFO', {ok: false, error: new CaseFailure('x')}, 'info'],
    ['MUST', {ok: false, error: new ImhError('IMH_ERR_TIMEOUT')}, 'fail'],
    ['MUST', {ok: false, error: new NotApplicable('no relay')}, 'not-applicable'],
    ['MUST', {ok: false, error: new TypeError('bug')}, 'error'],
  ] as const)('%s case ending %j → %s', (level, outcome, verdict) => {
    expect(verdictFor(mk('a.b', level), outcome as never).verdict).toBe(verdict)
  })

  it('says what the server did in the message of a failure', () => {
    expect(verdictFor(mk('a.b'), {ok: false, error: new ImhError('IMH_ERR_TIMEOUT', 'SYNC seq 3: no reply within 5000 ms')}).message).toBe('IMH_ERR_TIMEOUT: SYNC seq 3: no reply within 5000 ms')
  })
})

describe('runOk', () => {
  const counts = (v: Partial<Record<string, number>>) => ({...countVerdicts([]), ...v})
  it('fails on a MUST failure or a harness error, and on non-strict only with --strict', () => {
    expect(runOk(counts({pass: 3, info: 1, 'not-applicable': 1}), false)).toBe(true)
    expect(runOk(counts({fail: 1}), false)).toBe(false)
    expect(runOk(counts({error: 1}), false)).toBe(false)
    expect(runOk(counts({'non-strict': 1}), false)).toBe(true)
    expect(runOk(counts({'non-strict': 1}), true)).toBe(false)
  })
})

describe('selectCases', () => {
  const all = [mk('sync.order-1000'), mk('sync.ack'), mk('session.kick'), mk('frame.bad-version')]
  it('includes by glob, excludes by glob, keeps suite order', () => {
    expect(selectCases(all, ['sync.*']).map((c) => c.id)).toEqual(['sync.order-1000', 'sync.ack'])
    expect(selectCases(all, ['sync.*', 'frame.*'], ['sync.ack']).map((c) => c.id)).toEqual(['sync.order-1000', 'frame.bad-version'])
    expect(selectCases(all, [], ['*.*']).length).toBe(0)
  })
  it('refuses an include glob that matches nothing', () => {
    expect(() => selectCases(all, ['qr.*'])).toThrow(/--case "qr\.\*" matches no case/)
  })
})

describe('filterCases', () => {
  const all = [mk('scheduler.ttl', 'MUST', 'core', '2.2'), mk('sync.ack', 'MUST', 'core', '6.2'), mk('qr.new', 'MUST', 'qr', '10.1'), mk('qr.poll', 'MUST', 'qr', '10.2')]
  it('keeps the cases of the given flows and sections, in suite order', () => {
    expect(filterCases(all, {}).length).toBe(4)
    expect(filterCases(all, {flows: ['qr']}).map((c) => c.id)).toEqual(['qr.new', 'qr.poll'])
    expect(filterCases(all, {sections: ['6', '10.2']}).map((c) => c.id)).toEqual(['sync.ack', 'qr.poll'])
    expect(filterCases(all, {flows: ['core'], sections: ['10']})).toEqual([])
  })
  it('refuses a flow or a section that no case has, naming the option', () => {
    expect(() => filterCases(all, {flows: ['shop']})).toThrow(/--flow "shop" has no case; the flows are core, qr/)
    expect(() => filterCases(all, {sections: ['1']})).toThrow(/--section "1" has no case/)
  })
})
