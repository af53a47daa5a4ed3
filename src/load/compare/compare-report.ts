import {formatNumber, formatTrendValue, orderCounters} from '../outputs/format.js'
import {type Comparison, type Judgement, SHOWN_PERCENTILES} from './compare-runs.js'

type Cell = string
type Table = {head: Cell[]; rows: Cell[][]}

/** The change from a to b as a signed percentage; `new` / `gone` / `=` where a percentage says nothing. */
export function change(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined) return a === undefined ? 'new' : 'gone'
  if (a === b) return '='
  if (a === 0) return 'from 0'
  const pct = ((b - a) / Math.abs(a)) * 100
  return `${pct > 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 10 ? 1 : 0)}%`
}

const VERDICT_MARK: Record<Judgement['verdict'], string> = {'within': 'ok', 'worse-within-noise': 'noise', 'regressed': 'REGRESSED', 'no-data': 'NO DATA'}

function latencyTable(c: Comparison): Table {
  const rows: Cell[][] = []
  for (const r of c.latencies) {
    const name = r.metric
    rows.push([name, 'count', String(r.baseline?.count ?? '-'), String(r.candidate?.count ?? '-'), change(r.baseline?.count, r.candidate?.count)])
    for (const {key} of SHOWN_PERCENTILES) {
      const a = r.baseline?.[key]
      const b = r.candidate?.[key]
      const show = (v: number | undefined) => (v === undefined ? '-' : formatTrendValue(name, v))
      rows.push(['', key, show(a), show(b), change(a, b)])
    }
  }
  return {head: ['latency (ms)', 'stat', 'baseline', 'candidate', 'change'], rows}
}

function counterTable(c: Comparison): Table {
  const byName = new Map(c.counters.map((r) => [r.name, r]))
  const names = [...orderCounters([...byName.keys()].filter((n) => !n.startsWith('errors{'))), ...[...byName.keys()].filter((n) => n.startsWith('errors{')).sort()]
  return {head: ['counter', 'baseline', 'candidate', 'change'], rows: names.map((n) => {
    const r = byName.get(n)!
    return [n, String(r.baseline), String(r.candidate), change(r.baseline, r.candidate)]
  })}
}

function thresholdTable(c: Comparison): Table {
  const mark = (ok: boolean | undefined) => (ok === undefined ? '-' : ok ? 'pass' : 'FAIL')
  return {head: ['threshold', 'baseline', 'candidate'], rows: c.thresholds.map((t) => [`${t.metric} ${t.expression}`, mark(t.baseline), mark(t.candidate)])}
}

function judgementTable(c: Comparison): Table {
  // Counts are whole numbers; latencies in ms.
  const show = (j: Judgement, v: number) => (j.limit.stat.kind === 'count' ? String(Math.round(v * 100) / 100) : formatNumber(v))
  return {head: ['limit', 'baseline', 'candidate', 'allowed', 'verdict'], rows: c.judgements.map((j) => [j.limit.source, show(j, j.baseline.value), show(j, j.candidate.value), show(j, j.allowed), VERDICT_MARK[j.verdict]])}
}

function tables(c: Comparison): Array<[string, Table]> {
  const all: Array<[string, Table]> = [['Regression limits', judgementTable(c)], ['Latencies', latencyTable(c)], ['Counters', counterTable(c)], ['Thresholds', thresholdTable(c)]]
  return all.filter(([, t]) => t.rows.length > 0)
}

function verdictLine(c: Comparison): string {
  if (c.judgements.length === 0) return 'no regression limits given: nothing judged (--max-regression)'
  const bad = c.judgements.filter((j) => j.verdict === 'regressed' || j.verdict === 'no-data').length
  return bad === 0 ? `no regression: ${c.judgements.length} limit(s) held` : `REGRESSION: ${bad} of ${c.judgements.length} limit(s) failed`
}

function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]!.length)))
  const line = (cells: Cell[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()
  return [line(t.head), ...t.rows.map(line)].join('\n')
}

/** The comparison for a terminal: a heading per table, columns aligned, the verdict and each judgement's reason last. */
export function formatComparisonText(c: Comparison): string {
  const parts = [`baseline  ${c.baseline.profile} ${c.baseline.startedAt}${c.baseline.ok ? '' : ' (run not ok)'}`, `candidate ${c.candidate.profile} ${c.candidate.startedAt}${c.candidate.ok ? '' : ' (run not ok)'}`]
  for (const [title, t] of tables(c)) parts.push('', title, textTable(t))
  parts.push('', ...c.judgements.filter((j) => j.verdict !== 'within').map((j) => `  ${j.message}`), verdictLine(c))
  return parts.filter((p, i, a) => !(p === '' && a[i - 1] === '')).join('\n')
}

const md = (cell: Cell) => cell.replace(/\|/g, '\\|')

/** The comparison as GitHub-flavoured markdown, for a pull-request comment or a job summary. */
export function formatComparisonMarkdown(c: Comparison): string {
  const parts = [`**imh compare** — baseline \`${c.baseline.profile}\` (${c.baseline.startedAt}) vs candidate \`${c.candidate.profile}\` (${c.candidate.startedAt}): **${verdictLine(c)}**`]
  for (const [title, t] of tables(c)) {
    parts.push('', `#### ${title}`, '', `| ${t.head.map(md).join(' | ')} |`, `| ${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(md).join(' | ')} |`))
  }
  const notes = c.judgements.filter((j) => j.verdict !== 'within').map((j) => `- ${md(j.message)}`)
  if (notes.length > 0) parts.push('', ...notes)
  return `${parts.join('\n')}\n`
}
