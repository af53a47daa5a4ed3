import {styleText} from 'node:util'
import type {RateReport, RunResult, SaturationReport} from '../types.js'
import {metricDefinition} from '../metrics/catalogue.js'
import {LATENCY_COLUMNS, correctedOf, formatBytes, formatElapsed, formatNumber, latencyFigures, orderCounters, reportedLatencies} from './format.js'
import {isRunOk} from './run-ok.js'

type Style = Parameters<typeof styleText>[0]

const WRAP = 96

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

// The caller has already decided about colour (TTY, NO_COLOR, --no-color); styleText must not
// second-guess it by looking at process.stdout, which may not be where the text goes.
function paint(text: string, style: Style, color: boolean): string {
  return color ? styleText(style, text, {validateStream: false}) : text
}

// In prose "50 ms" reads better than the table's fixed "50.0".
const prose = (n: number) => (Number.isFinite(n) ? String(Number(formatNumber(n))) : '?')

/** Left column left-aligned, the rest right-aligned, each as wide as its widest cell. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}

// Indented with a mark on every line so the block stands out even without colour (CI logs).
function loud(title: string, text: string, color: boolean): string[] {
  return wrap(`${title}: ${text}`, WRAP - 4).map((l, i) => paint(`${i === 0 ? '!!' : '  '}  ${l}`, i === 0 ? ['bold', 'red'] : 'red', color))
}

/** [1,2,3,7] → '1–3, 7' */
export function secondRanges(seconds: number[]): string {
  const parts: string[] = []
  for (let i = 0; i < seconds.length; i++) {
    let j = i
    while (j + 1 < seconds.length && seconds[j + 1] === seconds[j]! + 1) j++
    parts.push(i === j ? `${seconds[i]}` : `${seconds[i]}–${seconds[j]}`)
    i = j
  }
  return parts.join(', ')
}

/** The saturation warning's text (the summary's, and GitHub's annotation). */
export function saturationText(s: SaturationReport, series: RunResult['timeSeries']): string {
  const seconds = series.filter((t) => t.saturated && t.second <= s.judgedSeconds).map((t) => t.second)
  const when = seconds.length > 0 ? `, in second${seconds.length > 1 ? 's' : ''} ${secondRanges(seconds)} of ${series.length}` : ''
  const worst = [...s.workers].sort((a, b) => b.maxLagMs - a.maxLagMs)[0]
  const others = s.workers.filter((w) => w !== worst && w.saturatedSeconds > 0).length
  const where = worst ? ` on ${worst.label ?? `worker ${worst.worker}`}${others ? ` (and ${plural(others, 'other worker')})` : ''}` : ''
  return `the longest event-loop stall reached ${prose(s.maxEventLoopLagMs)} ms (bound ${prose(s.boundMs)} ms)${where}${when};`
    + ' latencies measured then reflect the harness, not the server. Use more --workers, fewer clients or a slower ramp.'
}

/** The missed-rate warning's text (the summary's, and GitHub's annotation). */
export function rateText(r: RateReport): string {
  const missed = r.scenarios.filter((s) => s.missed).map((s) => {
    const behind = s.behindSeconds.length > 0 ? `, behind schedule in second${s.behindSeconds.length > 1 ? 's' : ''} ${secondRanges(s.behindSeconds)}` : ''
    const scheduled = prose(s.scheduledPerS) === prose(s.requestedPerS) ? '' : ` of its connected clients (the schedule: ${prose(s.scheduledPerS)}/s)`
    return `${s.scenarios.join(' + ')} achieved ${prose(s.achievedPerS)} of ${prose(s.requestedPerS)} ${s.unit}/s requested${scheduled} (${Math.round(s.ratio * 100)}%)${behind}`
  })
  return `${missed.join('; ')}. Figures measured at a lower rate than asked; the server or the generator could not keep up (see saturation, errors).`
}

function header(r: RunResult, color: boolean): string[] {
  const m = r.meta
  // reduce, not Math.max(...): a day-long run has more seconds than a call may take arguments.
  const peak = r.timeSeries.reduce((max, t) => Math.max(max, t.vus), 0)
  const s = m.shard
  const shard = !s ? '' : s.index !== undefined ? ` · shard ${s.index}/${s.count}` : ` · merged shard${s.present?.length === 1 ? '' : 's'} ${(s.present ?? []).join(', ')} of ${s.count}`
  return [
    paint(`imh load — ${m.profile} → ${m.target}${m.embeddedServer ? ' (embedded reference server)' : ''}`, 'bold', color),
    `duration ${(m.durationMs / 1000).toFixed(1)} s · workers ${m.workers}${shard} · clients peak ${peak} · seed ${m.seed}${m.transport ? ` · long link over ${m.transport}` : ''} · started ${m.startedAt}`,
    ...(m.adapter ? [adapterLine(m.adapter)] : []),
    ...(m.agents ? [`agents ${m.agents.map((a) => `${a.id} (${a.host}, ${plural(a.workers, 'worker')}${a.lost ? ', LOST' : ''})`).join(' · ')}`] : []),
  ]
}

/** What the run's client adapter promised, by which duplicates, reordered and acked were judged. */
function adapterLine(a: NonNullable<RunResult['meta']['adapter']>): string {
  const g = a.guarantees
  const allows = [g.delivery === 'at-least-once' ? 'duplicates (counted as duplicates_allowed)' : '', g.ordered ? '' : 'reordering (reordered_allowed)', g.acknowledged ? '' : 'no acknowledgements (lost = handed over, never delivered)']
    .filter(Boolean)
  return `adapter ${a.name}${a.module ? ` (${a.module})` : ''}: ${g.delivery}, ${g.ordered ? 'ordered' : 'unordered'}, ${g.acknowledged ? 'acknowledged' : 'unacknowledged'}${allows.length ? ` · the protocol allows ${allows.join(', ')}` : ''}`
}

/** The lost-agents warning of a run that tolerated them (--tolerate-agent-loss). */
function lostAgentsText(agents: NonNullable<RunResult['meta']['agents']>): string | undefined {
  const lost = agents.filter((a) => a.lost)
  if (lost.length === 0) return undefined
  const each = lost.map((a) => `${a.id} (share ${a.shard.index}/${a.shard.count}) at ${formatElapsed(a.lost!.atMs)}: ${a.lost!.reason}`)
  return `${each.join('; ')}. The work of a lost share after that moment was not done, and what its clients received is not known: the figures cover the other agents, and lost counts messages sent to its clients too.`
}

function metricsTable(r: RunResult): string[] {
  const names = reportedLatencies(r.metrics, r.meta.scenarios)
  if (names.length === 0) return []
  const rows = [['latency (ms)', ...LATENCY_COLUMNS]]
  for (const name of names) {
    const base = correctedOf(name)
    // Right under its corrected twin, so the coordinated-omission gap reads off at a glance.
    const label = base !== undefined && r.metrics[base] ? '  └ uncorrected' : name
    rows.push([`  ${label}`, ...latencyFigures(name, r.metrics[name]!)])
  }
  return table(rows)
}

function countersTable(r: RunResult): string[] {
  const names = orderCounters(Object.keys(r.counters))
  if (names.length === 0) return []
  const seconds = r.meta.durationMs / 1000
  const rows = [['counters', 'total', ...(seconds > 0 ? ['per s'] : [])]]
  for (const n of names) {
    const v = r.counters[n]!
    const bytes = metricDefinition(n)?.unit === 'bytes'
    rows.push([`  ${n}`, bytes ? formatBytes(v) : String(v), ...(seconds > 0 ? [bytes ? formatBytes(v / seconds) : formatNumber(v / seconds)] : [])])
  }
  return table(rows)
}

function errorsTable(r: RunResult): string[] {
  const codes = Object.entries(r.errors).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  return codes.length === 0 ? [] : table([['errors by code', 'count'], ...codes.map(([c, n]) => [`  ${c}`, String(n)])])
}

function thresholdLines(r: RunResult, color: boolean): string[] {
  if (r.thresholds.length === 0) return []
  return ['thresholds', ...r.thresholds.map((t) => {
    // A failure's reason only restates the expression and the actual value, so it is not shown.
    const got = t.actual === null ? (t.reason ?? 'no samples') : `actual ${Number.isInteger(t.actual) ? t.actual : t.actual.toFixed(2)}`
    return `  ${t.ok ? paint('✓', 'green', color) : paint('✗', 'red', color)} ${t.metric} ${t.expression} (${got})`
  })]
}

function verdict(r: RunResult, color: boolean): string {
  if (isRunOk(r)) return paint(`✓ run passed${r.thresholds.length ? `: ${plural(r.thresholds.length, 'threshold')} held` : ''}`, 'green', color)
  const failed = r.thresholds.filter((t) => !t.ok).length
  const why = [r.runError && 'the run failed', r.aborted && 'the run was aborted', failed > 0 && `${failed} of ${plural(r.thresholds.length, 'threshold')} failed`]
  return paint(`✗ run failed: ${why.filter(Boolean).join(', ')}`, 'red', color)
}

/**
 * The end-of-run summary in the manner of k6's: header, latency table (ms), counters, errors by
 * code, thresholds with ✓/✗, then loud warnings (saturated load generator, abort, run error) and
 * the verdict. Returns the text; the caller prints it.
 */
export function formatSummary(result: RunResult, o: {color?: boolean} = {}): string {
  const color = o.color ?? false
  const sections = [header(result, color), metricsTable(result), countersTable(result), errorsTable(result), thresholdLines(result, color)]
  const warnings: string[] = []
  if (result.saturation.flagged) warnings.push(...loud('WARNING: the load generator was saturated', saturationText(result.saturation, result.timeSeries), color))
  if (result.rate.flagged) warnings.push(...loud('WARNING: the requested rate was not achieved', rateText(result.rate), color))
  if (result.aborted) {
    warnings.push(...loud(`RUN ABORTED at ${formatElapsed(result.aborted.atMs)}`, `${result.aborted.reason.replace(/\.$/, '')}. The figures above cover only the part that ran.`, color))
  }
  const lostAgents = result.meta.agents && lostAgentsText(result.meta.agents)
  if (lostAgents && !result.runError) warnings.push(...loud('WARNING: agents were lost (tolerated)', lostAgents, color))
  if (result.runError) warnings.push(...loud(`RUN FAILED (${result.runError.code})`, result.runError.message, color))
  sections.push(warnings, [verdict(result, color)])
  return `${sections.filter((s) => s.length > 0).map((s) => s.join('\n')).join('\n\n')}\n`
}
