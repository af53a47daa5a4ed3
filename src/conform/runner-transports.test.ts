import {describe, expect, it} from 'vitest'
import {formatJunit} from './report/junit.js'
import {formatReport} from './report/text.js'
import {caseAnchor, caseLabel, namesTransports} from './report/transport-label.js'
import {ConformanceRunner} from './runner.js'
import type {ConformanceCase} from './types.js'

// Nothing listens there: the answer is missing, which is all these cases need.
const SCHEDULER = 'http://127.0.0.1:9/dns'

const mk = (id: string, run: ConformanceCase['run']): ConformanceCase => ({id, flow: id.split('.')[0]!, section: '4.1', level: 'MUST', requirement: 'r', run})

describe('ConformanceRunner --transport', () => {
  const cases = [
    mk('frame.link', async (ctx) => void ctx.longUrl),
    mk('short.http', async () => undefined),
    mk('frame.ws-only', async (ctx) => ctx.needWebSocket('a text message')),
  ]

  it('runs a case that takes the long link by its transport once per transport, the others once', async () => {
    const report = await new ConformanceRunner({scheduler: SCHEDULER, cases, transports: ['ws', 'tcp'], timeoutFactor: 0.1}).run()
    expect(report.transports).toEqual(['ws', 'tcp'])
    expect(report.cases.map((r) => [r.id, r.transport, r.verdict])).toEqual([
      ['frame.link', 'ws', 'fail'], ['frame.link', 'tcp', 'fail'],
      ['short.http', undefined, 'pass'],
      ['frame.ws-only', 'ws', 'pass'], ['frame.ws-only', 'tcp', 'not-applicable'],
    ])
    expect(report.summary.total).toBe(5)
    const text = formatReport(report, false)
    expect(text).toContain('long link over ws and tcp')
    expect(text).toMatch(/N\/A +frame\.ws-only \[tcp\]/)
    expect(formatJunit(report)).toContain('name="frame.link [tcp] [MUST §4.1]"')
  })

  it('keeps the default run (ws alone) as it was: one result per case, no transport in the text', async () => {
    const report = await new ConformanceRunner({scheduler: SCHEDULER, cases, timeoutFactor: 0.1}).run()
    expect(report.cases.map((r) => [r.id, r.transport])).toEqual([['frame.link', 'ws'], ['short.http', undefined], ['frame.ws-only', 'ws']])
    expect(namesTransports(report)).toBe(false)
    expect(formatReport(report, false)).not.toContain('[ws]')
  })

  it('names results and anchors by transport only when the run names them', () => {
    expect(caseLabel({id: 'a.b', transport: 'tcp'}, true)).toBe('a.b [tcp]')
    expect(caseLabel({id: 'a.b', transport: 'tcp'}, false)).toBe('a.b')
    expect(caseAnchor({id: 'a.b', transport: 'tcp'}, true)).toBe('case-a.b-tcp')
    expect(namesTransports({transports: ['tcp']})).toBe(true)
    expect(namesTransports({})).toBe(false)
  })
})
