/**
 * JUnit XML as CI systems read it (Jenkins, GitLab, GitHub test reporters): one writer for every
 * report imh makes in that format (imh conform's cases, imh load's thresholds), so escaping and
 * the counts in each suite's attributes are derived in one place.
 */

/** One testcase; at most one of failure, error, skipped. */
export interface JunitCase {
  classname: string
  name: string
  timeMs: number
  failure?: {message: string; type?: string; body: string}
  error?: {message: string; body: string}
  skipped?: string
  systemOut?: string
}

export interface JunitSuite {
  name: string
  timestamp: string
  timeMs: number
  cases: JunitCase[]
}

/** XML text and attribute content; XML 1.0 forbids most control characters even escaped (traces can carry them). */
export function xmlEscape(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3)

function tally(cases: readonly JunitCase[]): string {
  const n = (f: (c: JunitCase) => unknown) => cases.filter(f).length
  return `tests="${cases.length}" failures="${n((c) => c.failure)}" errors="${n((c) => c.error)}" skipped="${n((c) => c.skipped !== undefined)}"`
}

function testcase(c: JunitCase): string[] {
  const lines = [`    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${seconds(c.timeMs)}">`]
  if (c.failure) lines.push(`      <failure message="${xmlEscape(c.failure.message)}"${c.failure.type ? ` type="${xmlEscape(c.failure.type)}"` : ''}>${xmlEscape(c.failure.body)}</failure>`)
  else if (c.error) lines.push(`      <error message="${xmlEscape(c.error.message)}">${xmlEscape(c.error.body)}</error>`)
  else if (c.skipped !== undefined) lines.push(`      <skipped message="${xmlEscape(c.skipped)}"/>`)
  if (c.systemOut) lines.push(`      <system-out>${xmlEscape(c.systemOut)}</system-out>`)
  lines.push('    </testcase>')
  return lines
}

/** The whole document: `<testsuites>` named `name` around each suite, every count derived from the cases. */
export function formatJunitXml(name: string, timeMs: number, suites: readonly JunitSuite[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlEscape(name)}" ${tally(suites.flatMap((s) => s.cases))} time="${seconds(timeMs)}">`]
  for (const s of suites) {
    lines.push(`  <testsuite name="${xmlEscape(s.name)}" ${tally(s.cases)} time="${seconds(s.timeMs)}" timestamp="${s.timestamp}">`)
    for (const c of s.cases) lines.push(...testcase(c))
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>', '')
  return lines.join('\n')
}
