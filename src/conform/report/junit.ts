import type {ConformanceReport} from '../types.js'

function esc(s: string): string {
  // XML 1.0 forbids most control characters even when escaped; traces can carry them.
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** JUnit XML that CI systems read: one testcase per case, classname = its group. */
export function formatJunit(report: ConformanceReport): string {
  const s = report.summary
  const failures = s.fail + (report.strict ? s['non-strict'] : 0)
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="imh conform" tests="${s.total}" failures="${failures}" errors="${s.error}" skipped="${s['not-applicable']}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="imh conform ${esc(report.target.scheduler)}" tests="${s.total}" failures="${failures}" errors="${s.error}" skipped="${s['not-applicable']}" time="${(report.durationMs / 1000).toFixed(3)}" timestamp="${report.startedAt}">`,
  ]
  for (const c of report.cases) {
    const group = c.id.split('.')[0] ?? c.id
    lines.push(`    <testcase classname="${esc(group)}" name="${esc(c.id)} [${c.level} §${c.section}]" time="${(c.durationMs / 1000).toFixed(3)}">`)
    const detail = esc(`${c.requirement}\n${c.message}${c.trace ? `\n\ntrace:\n${c.trace.map((t) => JSON.stringify(t)).join('\n')}` : ''}`)
    if (c.verdict === 'fail' || (c.verdict === 'non-strict' && report.strict)) lines.push(`      <failure message="${esc(c.message)}" type="${c.level}">${detail}</failure>`)
    else if (c.verdict === 'error') lines.push(`      <error message="${esc(c.message.split('\n')[0] ?? '')}">${detail}</error>`)
    else if (c.verdict === 'not-applicable') lines.push(`      <skipped message="${esc(c.message)}"/>`)
    else if (c.message) lines.push(`      <system-out>${esc(`${c.verdict}: ${c.message}`)}</system-out>`)
    lines.push('    </testcase>')
  }
  lines.push('  </testsuite>', '</testsuites>', '')
  return lines.join('\n')
}
