import type {GeneratedBlock} from '../common/doc-blocks.js'
import {ALL_CASES, CASE_MODULES, caseModule} from './cases/index.js'
import {formatCase, formatFlowHeading, formatSummary} from './report/text.js'
import {type CaseResult, type ConformanceCase, LEVELS} from './types.js'
import {countVerdicts} from './verdicts.js'

type CaseRow = Pick<ConformanceCase, 'id' | 'flow' | 'section' | 'level' | 'requirement'>

const link = (spec: string, section: string): string => `[§${section}](${spec}#s${section})`
const countLevels = (cases: readonly CaseRow[]): number[] => LEVELS.map((l) => cases.filter((c) => c.level === l).length)

/** Cases per flow and level, as a Markdown table; `spec` is the path from the doc to PROTOCOL.md. */
export function formatFlowTable(spec: string): string {
  const row = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`
  return [
    row(['flow', 'what it checks', 'PROTOCOL.md', ...LEVELS, 'cases']),
    row(Array.from({length: LEVELS.length + 4}, () => '---')),
    ...CASE_MODULES.map((m) => row([`\`${m.flow}\``, m.title, m.sections.map((s) => link(spec, s)).join(', '), ...countLevels(m.cases), m.cases.length])),
    row(['all', '', '', ...countLevels(ALL_CASES), ALL_CASES.length]),
  ].join('\n')
}

/** The cases flow by flow, a Markdown table each (`imh conform --list --markdown` prints this). */
export function formatCaseTable(cases: readonly CaseRow[], spec = '../PROTOCOL.md'): string {
  const out: string[] = []
  for (const flow of new Set(cases.map((c) => c.flow))) {
    const title = caseModule(flow)?.title
    out.push(`### \`${flow}\`${title ? `: ${title}` : ''}`, '', '| id | section | level | requirement |', '| --- | --- | --- | --- |')
    for (const c of cases.filter((x) => x.flow === flow)) out.push(`| \`${c.id}\` | ${link(spec, c.section)} | ${c.level} | ${c.requirement.replace(/\|/g, '\\|')} |`)
    out.push('')
  }
  return out.join('\n')
}

/** Cases shown in the README's example run, with made-up but typical durations. */
const EXAMPLE: readonly [id: string, durationMs: number, message?: string][] = [
  ['sync.send-ack', 14], ['sync.notify', 18], ['sync.order-1000', 109], ['sync.paging-continue', 16],
  ['sync.latency', 38, 'send to delivery: p50 0.14 ms, p99 0.29 ms, max 0.85 ms (n=100)'],
]

/** The README's excerpt of `npm run demo`: a run of the whole catalogue in which every case passed. */
export function formatExampleRun(): string {
  const results: CaseResult[] = ALL_CASES.map((c) => {
    const [, durationMs = 10, message = ''] = EXAMPLE.find(([id]) => id === c.id) ?? []
    return {id: c.id, flow: c.flow, section: c.section, level: c.level, requirement: c.requirement, verdict: c.level === 'INFO' ? 'info' : 'pass', durationMs, message}
  })
  const shown = EXAMPLE.map(([id]) => results.find((r) => r.id === id)!)
  const summary = {...countVerdicts(results), total: results.length, ok: true}
  return ['```', formatFlowHeading(shown[0]!.flow, results, false), '…', ...shown.map((r) => formatCase(r, false)), '', formatSummary({summary, durationMs: 8000, strict: false}, false), '```'].join('\n')
}

/** Every generated block the conformance layer owns. */
export function conformDocs(): GeneratedBlock[] {
  return [
    {file: 'docs/conformance-cases.md', block: 'conform-flows', content: formatFlowTable('../PROTOCOL.md')},
    {file: 'docs/conformance-cases.md', block: 'conform-cases', content: formatCaseTable(ALL_CASES)},
    {file: 'README.md', block: 'conform-example', content: formatExampleRun()},
    {file: 'README.md', block: 'conform-flows', content: formatFlowTable('PROTOCOL.md')},
  ]
}
