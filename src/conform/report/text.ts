import {styleText} from 'node:util'
import type {CaseResult, ConformanceReport, Verdict} from '../types.js'

type Style = Parameters<typeof styleText>[0]

const MARK: Record<Verdict, [string, Style]> = {
  pass: ['PASS', 'green'],
  'non-strict': ['NON-STRICT', 'yellow'],
  fail: ['FAIL', 'red'],
  info: ['INFO', 'cyan'],
  'not-applicable': ['N/A', 'gray'],
  error: ['ERROR', 'magenta'],
}

function paint(text: string, style: Style, color: boolean): string {
  return color ? styleText(style, text) : text
}

export function formatCase(r: CaseResult, color: boolean): string {
  const [label, style] = MARK[r.verdict]
  const head = `${paint(label.padEnd(10), style, color)} ${r.id.padEnd(36)} §${r.section.padEnd(5)} ${r.level.padEnd(6)} ${String(r.durationMs).padStart(6)} ms`
  const lines = [head]
  if (r.verdict !== 'pass') lines.push(`           ${r.requirement}`)
  if (r.message) lines.push(...r.message.split('\n').slice(0, 6).map((l) => `           ${paint(l, r.verdict === 'info' ? 'cyan' : 'gray', color)}`))
  return lines.join('\n')
}

/** The human report: every case in suite order, then counts and the outcome. */
export function formatReport(report: ConformanceReport, color: boolean): string {
  const s = report.summary
  const out = [`imh conform — ${report.target.scheduler}${report.target.embedded ? ' (embedded reference server)' : ''}`, '']
  let group = ''
  for (const r of report.cases) {
    const g = r.id.split('.')[0]!
    if (g !== group) {
      if (group) out.push('')
      out.push(paint(`${g} (PROTOCOL.md §${r.section.split('.')[0]})`, 'bold', color))
      group = g
    }
    out.push(formatCase(r, color))
  }
  out.push('')
  const counts = (['pass', 'non-strict', 'fail', 'info', 'not-applicable', 'error'] as const)
    .filter((v) => s[v] > 0).map((v) => `${s[v]} ${v}`).join(', ')
  out.push(`${s.total} cases in ${(report.durationMs / 1000).toFixed(1)} s: ${counts}`)
  const verdict = s.ok
    ? paint(`OK: no MUST requirement failed${report.strict ? ' and no SHOULD (--strict)' : ''}`, 'green', color)
    : paint(`FAILED: ${s.fail} MUST case(s) failed${s.error ? `, ${s.error} harness error(s)` : ''}${report.strict && s['non-strict'] ? `, ${s['non-strict']} SHOULD case(s) failed under --strict` : ''}`, 'red', color)
  out.push(verdict)
  return out.join('\n')
}
