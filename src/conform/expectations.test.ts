import {describe, expect, it} from 'vitest'
import {isImhError} from '../protocol/errors.js'
import {applyJudgement, currentExpectations, type ExpectationsFile, formatJudgement, judge, parseExpectations} from './expectations.js'
import type {CaseResult, Verdict} from './types.js'

function result(id: string, verdict: Verdict, message = ''): CaseResult {
  return {id, flow: 'core', section: '6.4', level: 'MUST', requirement: `${id} holds`, verdict, durationMs: 1, message}
}

const CATALOGUE = [{id: 'sync.a'}, {id: 'sync.b'}, {id: 'sync.c', aliases: ['sync.old-c']}, {id: 'sync.d'}]

function file(expected: ExpectationsFile['expected']): ExpectationsFile {
  return {version: 1, expected}
}

describe('parseExpectations', () => {
  it('accepts fail and unimplemented entries', () => {
    const text = JSON.stringify(file({'sync.a': {verdict: 'fail', reason: 'known bug'}, 'talk.x': {verdict: 'unimplemented', reason: 'no talk yet'}}))
    expect(parseExpectations(text, 'e.json').expected['talk.x']).toEqual({verdict: 'unimplemented', reason: 'no talk yet'})
  })

  it.each([
    ['not json', /e\.json: not JSON/],
    ['[]', /e\.json: must be an object/],
    ['{"version":2,"expected":{}}', /"version" must be 1/],
    ['{"version":1}', /"expected" must be an object/],
    ['{"version":1,"expected":{"sync.a":"x"}}', /entry "sync\.a" must be an object/],
    ['{"version":1,"expected":{"sync.a":{"verdict":"pass","reason":"r"}}}', /entry "sync\.a": "verdict" must be one of fail, unimplemented, got "pass"/],
    ['{"version":1,"expected":{"sync.a":{"verdict":"fail"}}}', /entry "sync\.a": "reason" must be a non-empty string/],
    ['{"version":1,"expected":{"sync.a":{"verdict":"fail","reason":"r","why":1}}}', /entry "sync\.a": unknown field\(s\) why/],
  ])('rejects %s with a coded error naming the file and entry', (text, message) => {
    let thrown: unknown
    try {
      parseExpectations(text, 'e.json')
    } catch (err) {
      thrown = err
    }
    expect(isImhError(thrown, 'IMH_ERR_INVALID_OPTION')).toBe(true)
    expect((thrown as Error).message).toMatch(message)
  })
})

describe('judge', () => {
  it('excuses an expected failure', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'fail'), result('sync.b', 'pass')]}, file({'sync.a': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    expect(j).toEqual({ok: true, expectedFailures: ['sync.a'], unexpectedFailures: [], unexpectedPasses: [], unknownIds: [], renamed: {}})
  })

  it('fails on an expected failure that now passes', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'pass')]}, file({'sync.a': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    expect(j.ok).toBe(false)
    expect(j.unexpectedPasses).toEqual(['sync.a'])
  })

  it('judges a case once over its results on several transports: expected while it fails on any, each id listed once', () => {
    const expected = file({'sync.a': {verdict: 'fail', reason: 'r'}})
    const onTcpOnly = judge({strict: false, cases: [{...result('sync.a', 'pass'), transport: 'ws'}, {...result('sync.a', 'fail'), transport: 'tcp'}]}, expected, CATALOGUE)
    expect(onTcpOnly).toMatchObject({ok: true, expectedFailures: ['sync.a'], unexpectedPasses: []})
    const onBoth = judge({strict: false, cases: [{...result('sync.b', 'fail'), transport: 'ws'}, {...result('sync.b', 'fail'), transport: 'tcp'}]}, expected, CATALOGUE)
    expect(onBoth.unexpectedFailures).toEqual(['sync.b'])
  })

  it('fails on a failure the file does not list, and on a harness error even if listed', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'fail'), result('sync.b', 'error')]}, file({'sync.b': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    expect(j.ok).toBe(false)
    expect(j.unexpectedFailures).toEqual(['sync.a', 'sync.b'])
  })

  it('does not excuse a failure expected in another state', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'fail')]}, file({'sync.a': {verdict: 'unimplemented', reason: 'r'}}), CATALOGUE)
    expect(j.unexpectedFailures).toEqual(['sync.a'])
  })

  it('counts a broken SHOULD only under --strict, as the runner does', () => {
    const cases = [result('sync.a', 'non-strict')]
    expect(judge({strict: false, cases}, file({}), CATALOGUE).ok).toBe(true)
    expect(judge({strict: true, cases}, file({}), CATALOGUE).unexpectedFailures).toEqual(['sync.a'])
    expect(judge({strict: true, cases}, file({'sync.a': {verdict: 'fail', reason: 'r'}}), CATALOGUE).ok).toBe(true)
  })

  it('reports ids no case has, but follows aliases', () => {
    const j = judge({strict: false, cases: [result('sync.c', 'fail')]}, file({'sync.old-c': {verdict: 'fail', reason: 'r'}, 'sync.gone': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    expect(j).toMatchObject({ok: false, expectedFailures: ['sync.c'], unknownIds: ['sync.gone'], renamed: {'sync.old-c': 'sync.c'}})
  })

  it('neither excuses nor flags entries for cases the run did not select', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'pass')]}, file({'sync.d': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    expect(j.ok).toBe(true)
  })

  it('is shown in the report: each case its expectation, summary.ok the judgement', () => {
    const report = {
      tool: {name: 'imharness' as const, version: '0'}, protocolVersion: 1, target: {scheduler: 'x', embedded: false}, startedAt: '', durationMs: 0, strict: false,
      summary: {pass: 0, 'non-strict': 0, fail: 1, info: 0, 'not-applicable': 0, unimplemented: 0, error: 0, 'not-run': 0, total: 1, ok: false},
      cases: [result('sync.a', 'fail')], faults: [], interrupted: false, features: [],
    }
    const expectations = file({'sync.a': {verdict: 'fail', reason: 'known'}})
    const judged = applyJudgement(report, expectations, judge(report, expectations, CATALOGUE), 'e.json')
    expect(judged.summary.ok).toBe(true)
    expect(judged.cases[0]!.expected).toEqual({verdict: 'fail', reason: 'known'})
    expect(formatJudgement(judged.expectations)).toContain('1 expected failure(s), nothing unexpected')
  })

  it('formats what must change in the file', () => {
    const j = judge({strict: false, cases: [result('sync.a', 'pass')]}, file({'sync.a': {verdict: 'fail', reason: 'r'}, 'x.y': {verdict: 'fail', reason: 'r'}}), CATALOGUE)
    const text = formatJudgement({...j, file: 'e.json'})
    expect(text).toContain('expected to fail but now pass: sync.a — remove them from e.json')
    expect(text).toContain('no case has these ids (renamed or removed): x.y')
  })
})

describe('unimplemented cases and the ratchet', () => {
  const CAT = [...CATALOGUE, {id: 'talk.x'}]

  it('an unimplemented case never fails the run, listed or not: nothing to excuse', () => {
    const run = {strict: false, cases: [result('talk.x', 'unimplemented')]}
    expect(judge(run, file({}), CAT)).toMatchObject({ok: true, unexpectedFailures: [], expectedFailures: []})
    expect(judge(run, file({'talk.x': {verdict: 'unimplemented', reason: 'no talk yet'}}), CAT)).toMatchObject({ok: true, unexpectedFailures: [], unexpectedPasses: []})
  })

  it('an entry expecting unimplemented fails the run once the case passes', () => {
    const j = judge({strict: false, cases: [result('talk.x', 'pass')]}, file({'talk.x': {verdict: 'unimplemented', reason: 'no talk yet'}}), CAT)
    expect(j).toMatchObject({ok: false, unexpectedPasses: ['talk.x']})
  })

  it('--write-expect never writes unimplemented cases; one failed under --require is written as a fail', () => {
    const required = {...result('talk.y', 'fail'), message: '--require talk: …'}
    expect(currentExpectations({strict: false, cases: [result('talk.x', 'unimplemented'), required]}).expected).toEqual({'talk.y': {verdict: 'fail', reason: '--require talk: …'}})
  })
})

describe('currentExpectations', () => {
  it('lists every failure, reasons from the message’s first line or the previous file, and keeps entries not run', () => {
    const previous = file({'sync.b': {verdict: 'fail', reason: 'kept'}, 'sync.d': {verdict: 'fail', reason: 'not run'}, 'sync.c': {verdict: 'fail', reason: 'fixed'}})
    const cases = [result('sync.a', 'fail', 'first line\nsecond'), result('sync.b', 'fail', 'new'), result('sync.c', 'pass'), result('sync.e', 'error', 'harness')]
    expect(currentExpectations({strict: false, cases}, previous)).toEqual(file({
      'sync.d': {verdict: 'fail', reason: 'not run'},
      'sync.a': {verdict: 'fail', reason: 'first line'},
      'sync.b': {verdict: 'fail', reason: 'kept'},
    }))
  })

  it('round-trips through parseExpectations and judges the same run ok', () => {
    const cases = [result('sync.a', 'fail', 'broken'), result('sync.b', 'pass')]
    const written = parseExpectations(JSON.stringify(currentExpectations({strict: false, cases})), 'e.json')
    expect(judge({strict: false, cases}, written, CATALOGUE).ok).toBe(true)
  })
})
