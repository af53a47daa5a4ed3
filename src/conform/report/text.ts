import {styleText} from 'node:util'
import {type CaseResult, type ConformanceReport, VERDICTS, type Verdict} from '../types.js'
import {caseLabel, namesTransports, transportsNote} from './transport-label.js'

type Style = Parameters<typeof styleText>[0]

const MARK: Record<Verdict, [string, Style]> = {
  pass: ['PASS', 'green'],
  'non-strict': ['NON-STRICT', 'yellow'],
  fail: ['FAIL', 'red'],
  info: ['INFO', 'cyan'],
  'not-applicable': ['N/A', 'gray'],
  unimplemented: ['UNIMPL', 'gray'],
  error: ['ERROR', 'magenta'],
  'not-run': ['NOT RUN', 'gray'],
}

function paint(text: string, style: Style, color: boolean): string {
  return color ? styleText(style, text) : text
}

/** One result; `namedTransport`: its id shows its transport (transport-label.ts). */
export function formatCase(r: CaseResult & {expected?: {reason: string}}, color: boolean, namedTransport = false): string {
  const [label, style] = MARK[r.verdict]
  const head = `${paint(label.padEnd(10), style, color)} ${caseLabel(r, namedTransport).padEnd(36)} §${r.section.padEnd(5)} ${r.level.padEnd(6)} ${String(r.durationMs).padStart(6)} ms`
  const lines = [head]
  if (r.verdict !== 'pass') lines.push(`           ${r.requirement}`)
  if (r.expected) lines.push(`           ${paint(`expected (--expect): ${r.expected.reason}`, 'yellow', color)}`)
  if (r.message) lines.push(...r.message.split('\n').slice(0, 6).map((l) => `           ${paint(l, r.verdict === 'info' ? 'cyan' : 'gray', color)}`))
  return lines.join('\n')
}

/** Top-level sections as `§2–§6` or `§10, §12`: runs of consecutive numbers collapse. */
export function formatSectionSpan(sections: readonly string[]): string {
  const tops = [...new Set(sections.map((s) => Number(s.split('.')[0])))].sort((a, b) => a - b)
  const runs: [number, number][] = []
  for (const n of tops) {
    const last = runs.at(-1)
    if (last && n === last[1] + 1) last[1] = n
    else runs.push([n, n])
  }
  return runs.map(([a, b]) => (a === b ? `§${a}` : `§${a}–§${b}`)).join(', ')
}

/** The heading of a flow's results: its id and the sections they cite. */
export function formatFlowHeading(flow: string, results: readonly CaseResult[], color: boolean): string {
  return paint(`${flow} (PROTOCOL.md ${formatSectionSpan(results.filter((r) => r.flow === flow).map((r) => r.section))})`, 'bold', color)
}

/** The closing lines: the counts, then whether the run passed. */
export function formatSummary(report: Pick<ConformanceReport, 'summary' | 'durationMs' | 'strict'> & Partial<Pick<ConformanceReport, 'faults' | 'interrupted'>>, color: boolean): string {
  const s = report.summary
  const counts = VERDICTS.filter((v) => s[v] > 0).map((v) => `${s[v]} ${v}`).join(', ')
  const harness = s.error + (report.faults?.length ?? 0)
  const verdict = s.ok
    ? paint(s.fail || s.error || (report.strict && s['non-strict']) ? 'OK: every failure is expected (--expect)' : `OK: no MUST requirement failed${report.strict ? ' and no SHOULD (--strict)' : ''}`, 'green', color)
    : paint(`${report.interrupted ? 'INTERRUPTED' : harness ? 'HARNESS ERROR' : 'FAILED'}: ${s.fail} MUST case(s) failed${harness ? `, ${harness} harness error(s)` : ''}${report.strict && s['non-strict'] ? `, ${s['non-strict']} SHOULD case(s) failed under --strict` : ''}${s['not-run'] ? `, ${s['not-run']} case(s) not run` : ''}`, 'red', color)
  return `${s.total} cases in ${(report.durationMs / 1000).toFixed(1)} s: ${counts}\n${verdict}`
}

/** Exceptions that escaped every case, each under a heading line. */
export function formatFaults(faults: readonly string[], color: boolean): string[] {
  return faults.flatMap((f, i) => [paint(`harness fault ${i + 1} of ${faults.length} (not blamed on one case):`, 'magenta', color), ...f.split('\n').map((l) => `  ${l}`)])
}

/**
 * A flow whose every case is unimplemented for one reason, in two lines instead of one block per
 * case; undefined when the flow has a case with another verdict or reason.
 */
export function formatUnimplementedFlow(results: readonly CaseResult[], color: boolean): string | undefined {
  const [first] = results
  if (!first || results.some((r) => r.verdict !== 'unimplemented' || r.message !== first.message)) return undefined
  const [label, style] = MARK.unimplemented
  return [`${paint(label.padEnd(10), style, color)} all ${results.length} case(s) of ${first.flow}`, `           ${paint(first.message, 'gray', color)}`].join('\n')
}

/** The human report: every case in suite order under its flow (an unimplemented flow in brief), then counts and the outcome. */
export function formatReport(report: ConformanceReport, color: boolean): string {
  const out = [`imh conform — ${report.target.scheduler}${report.target.embedded ? ' (embedded reference server)' : ''}${transportsNote(report)}`, '']
  const named = namesTransports(report)
  const flows = [...new Set(report.cases.map((r) => r.flow))]
  for (const [i, flow] of flows.entries()) {
    const results = report.cases.filter((r) => r.flow === flow)
    if (i > 0) out.push('')
    out.push(formatFlowHeading(flow, report.cases, color))
    out.push(formatUnimplementedFlow(results, color) ?? results.map((r) => formatCase(r, color, named)).join('\n'))
  }
  if (report.faults.length > 0) out.push('', ...formatFaults(report.faults, color))
  out.push('', formatSummary(report, color))
  return out.join('\n')
}

