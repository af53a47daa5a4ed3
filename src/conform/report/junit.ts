import {type JunitCase, type JunitSuite, formatJunitXml} from '../../common/junit-xml.js'
import type {CaseResult, ConformanceReport} from '../types.js'
import {caseLabel, namesTransports} from './transport-label.js'

/** Exceptions that escaped every case, as a suite of errors of their own: CI must see a broken run. */
function faultSuite(report: ConformanceReport): JunitSuite[] {
  if (report.faults.length === 0) return []
  const cases = report.faults.map((f, i): JunitCase => ({classname: 'harness', name: `harness.fault-${i + 1}`, timeMs: 0, error: {message: f.split('\n')[0] ?? '', body: f}}))
  return [{name: `imh conform harness ${report.target.scheduler}`, timestamp: report.startedAt, timeMs: 0, cases}]
}

function testcase(c: CaseResult, strict: boolean, named: boolean): JunitCase {
  const base = {classname: c.id.split('.')[0] ?? c.id, name: `${caseLabel(c, named)} [${c.level} §${c.section}]`, timeMs: c.durationMs}
  const body = `${c.requirement}\n${c.message}${c.trace ? `\n\ntrace:\n${c.trace.map((t) => JSON.stringify(t)).join('\n')}` : ''}`
  if (c.verdict === 'fail' || (c.verdict === 'non-strict' && strict)) return {...base, failure: {message: c.message, type: c.level, body}}
  if (c.verdict === 'error') return {...base, error: {message: c.message.split('\n')[0] ?? '', body}}
  if (c.verdict === 'not-applicable' || c.verdict === 'not-run') return {...base, skipped: c.message}
  if (c.verdict === 'unimplemented') return {...base, skipped: `unimplemented: ${c.message}`}
  return c.message ? {...base, systemOut: `${c.verdict}: ${c.message}`} : base
}

/**
 * JUnit XML that CI systems read: one testsuite per flow (its time is the sum of its cases', which
 * ran concurrently), one testcase per case and transport (its name says which, `--transport`), classname = the case's id group.
 */
export function formatJunit(report: ConformanceReport): string {
  const flows = [...new Set(report.cases.map((c) => c.flow))]
  const suites = flows.map((flow): JunitSuite => {
    const cases = report.cases.filter((c) => c.flow === flow)
    return {name: `imh conform ${flow} ${report.target.scheduler}`, timestamp: report.startedAt, timeMs: cases.reduce((sum, c) => sum + c.durationMs, 0), cases: cases.map((c) => testcase(c, report.strict, namesTransports(report)))}
  })
  return formatJunitXml('imh conform', report.durationMs, [...suites, ...faultSuite(report)])
}
