import type {CaseResult, ConformanceReport, VerdictCounts} from '../types.js'
import {countVerdicts} from '../verdicts.js'

function esc(s: string): string {
  // XML 1.0 forbids most control characters even when escaped; traces can carry them.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

/** The tests/failures/errors/skipped attributes of a suite. */
function tally(counts: VerdictCounts, total: number, strict: boolean, faults = 0): string {
  const failures = counts.fail + (strict ? counts['non-strict'] : 0)
  return `tests="${total + faults}" failures="${failures}" errors="${counts.error + faults}" skipped="${counts['not-applicable'] + counts.unimplemented + counts['not-run']}"`
}

/** Exceptions that escaped every case, as a suite of errors of their own: CI must see a broken run. */
function faultSuite(report: ConformanceReport): string[] {
  if (report.faults.length === 0) return []
  const lines = [`  <testsuite name="imh conform harness ${esc(report.target.scheduler)}" tests="${report.faults.length}" failures="0" errors="${report.faults.length}" skipped="0" time="0.000" timestamp="${report.startedAt}">`]
  report.faults.forEach((f, i) => {
    lines.push(`    <testcase classname="harness" name="harness.fault-${i + 1}" time="0.000">`, `      <error message="${esc(f.split('\n')[0] ?? '')}">${esc(f)}</error>`, '    </testcase>')
  })
  lines.push('  </testsuite>')
  return lines
}

function testcase(c: CaseResult, strict: boolean): string[] {
  const group = c.id.split('.')[0] ?? c.id
  const lines = [`    <testcase classname="${esc(group)}" name="${esc(c.id)} [${c.level} §${c.section}]" time="${seconds(c.durationMs)}">`]
  const detail = esc(`${c.requirement}\n${c.message}${c.trace ? `\n\ntrace:\n${c.trace.map((t) => JSON.stringify(t)).join('\n')}` : ''}`)
  if (c.verdict === 'fail' || (c.verdict === 'non-strict' && strict)) lines.push(`      <failure message="${esc(c.message)}" type="${c.level}">${detail}</failure>`)
  else if (c.verdict === 'error') lines.push(`      <error message="${esc(c.message.split('\n')[0] ?? '')}">${detail}</error>`)
  else if (c.verdict === 'not-applicable' || c.verdict === 'not-run') lines.push(`      <skipped message="${esc(c.message)}"/>`)
  else if (c.verdict === 'unimplemented') lines.push(`      <skipped message="${esc(`unimplemented: ${c.message}`)}"/>`)
  else if (c.message) lines.push(`      <system-out>${esc(`${c.verdict}: ${c.message}`)}</system-out>`)
  lines.push('    </testcase>')
  return lines
}

/**
 * JUnit XML that CI systems read: one testsuite per flow (its time is the sum of its cases', which
 * ran concurrently), one testcase per case, classname = the case's id group.
 */
export function formatJunit(report: ConformanceReport): string {
  const s = report.summary
  const flows = [...new Set(report.cases.map((c) => c.flow))]
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="imh conform" ${tally(s, s.total, report.strict, report.faults.length)} time="${seconds(report.durationMs)}">`,
  ]
  for (const flow of flows) {
    const cases = report.cases.filter((c) => c.flow === flow)
    const time = seconds(cases.reduce((sum, c) => sum + c.durationMs, 0))
    lines.push(`  <testsuite name="imh conform ${esc(flow)} ${esc(report.target.scheduler)}" ${tally(countVerdicts(cases), cases.length, report.strict)} time="${time}" timestamp="${report.startedAt}">`)
    for (const c of cases) lines.push(...testcase(c, report.strict))
    lines.push('  </testsuite>')
  }
  lines.push(...faultSuite(report), '</testsuites>', '')
  return lines.join('\n')
}
