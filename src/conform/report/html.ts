// Static HTML from template literals and one escape helper: the page has no state to manage, so a
// templating library would add a dependency and nothing else.
import type {TraceEntry} from '../../client/trace.js'
import {escapeHtml} from '../../common/html-escape.js'
import {type ProtocolSection, shippedProtocolSections} from '../../common/protocol-sections.js'
import type {Expectation, Judgement} from '../expectations.js'
import {exitCodeFor, runOk} from '../runner.js'
import {type CaseResult, type ConformanceReport, VERDICTS, type Verdict, type VerdictCounts} from '../types.js'
import {countVerdicts} from '../verdicts.js'
import {FILTER_SCRIPT, pageStyle} from './html-assets.js'
import {formatFlowHeading, formatSectionSpan, formatSummary} from './text.js'
import {caseAnchor, caseLabel, namesTransports} from './transport-label.js'

/** A report as `--expect` may have judged it: each case's expectation and the judgement. */
type HtmlReport = ConformanceReport & {cases: (CaseResult & {expected?: Expectation})[]; expectations?: Judgement & {file: string}}

const esc = escapeHtml

/** Fails the run under --strict: fail, non-strict and error. Derived from the runner's rule, not listed. */
function isFailure(verdict: Verdict): boolean {
  return !runOk(countVerdicts([{verdict}]), true)
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** `2026-01-01T00:00:00.000Z` → `2026-01-01 00:00:00 UTC`. */
function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')
}

/** Markdown's inline `code` and **bold** in escaped text (headings and paragraphs of PROTOCOL.md). */
function inline(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
}

/** A section's Markdown as light HTML: fenced code and tables preformatted, lists, `code` and **bold** inline. */
export function quoteHtml(markdown: string): string {
  const out: string[] = []
  const blocks = markdown.split(/(^```[^\n]*\n[\s\S]*?^```$)/m)
  for (const block of blocks) {
    if (block.startsWith('```')) out.push(`<pre>${esc(block.replace(/^```[^\n]*\n/, '').replace(/\n?```$/, ''))}</pre>`)
    else for (const para of block.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
      if (para.startsWith('|')) out.push(`<pre>${esc(para)}</pre>`)
      else if (/^[-*] /.test(para)) out.push(`<ul>${para.split(/\n(?=[-*] )/).map((item) => `<li>${inline(item.slice(2))}</li>`).join('')}</ul>`)
      else out.push(`<p>${inline(para)}</p>`)
    }
  }
  return out.join('\n')
}

function chips(counts: VerdictCounts): string {
  return VERDICTS.map((v) => `<li class="chip v-${esc(v)}${counts[v] ? '' : ' zero'}"><b>${counts[v]}</b> ${esc(v)}</li>`).join('')
}

/** Count cells for the verdicts that occur in the run (columns of zeros would only widen the tables). */
function countCells(results: readonly CaseResult[], columns: readonly Verdict[]): string {
  const counts = countVerdicts(results)
  return columns.map((v) => (counts[v] ? `<td class="n v v-${esc(v)}">${counts[v]}</td>` : '<td class="n zero">0</td>')).join('') + `<td class="n">${results.length}</td>`
}

function countHeads(columns: readonly Verdict[]): string {
  return `${columns.map((v) => `<th class="n">${esc(v)}</th>`).join('')}<th class="n">total</th>`
}

function header(report: HtmlReport): string {
  const code = exitCodeFor(report)
  const [counts = '', outcome = ''] = formatSummary(report, false).split('\n')
  const [word = outcome, ...rest] = outcome.split(': ')
  const tone = report.interrupted ? 'stopped' : code === 0 ? 'ok' : report.summary.error || report.faults.length ? 'harness' : 'bad'
  const target = `${esc(report.target.scheduler)}${report.target.embedded ? ' <span class="muted">(embedded reference server)</span>' : ''}`
  return `<header>
<h1>imh conform <span class="outcome ${tone}">${esc(word)} · exit ${code}</span></h1>
<p class="summary">${esc(rest.join(': '))}${rest.length ? ' — ' : ''}${esc(counts)}</p>
<dl class="meta">
<dt>Target</dt><dd>${target}</dd>${namesTransports(report) ? `\n<dt>Long link</dt><dd>${esc((report.transports ?? ['ws']).join(' and '))}</dd>` : ''}
<dt>Started</dt><dd>${esc(when(report.startedAt))}</dd>
<dt>Duration</dt><dd>${esc(seconds(report.durationMs))}</dd>
<dt>Tool</dt><dd>${esc(report.tool.name)} ${esc(report.tool.version)}, protocol version ${esc(report.protocolVersion)}${report.strict ? ', --strict' : ''}</dd>
<dt>Exit code</dt><dd>${code}${report.interrupted ? ' (interrupted: the cases not run are listed as not-run)' : ''}</dd>
</dl>
<ul class="counts">${chips(report.summary)}</ul>${failureList(report)}
</header>`
}

/** Links to each failing case, so a reader starts where the run went wrong. */
function failureList(report: HtmlReport): string {
  const failed = report.cases.filter((c) => isFailure(c.verdict))
  if (failed.length === 0) return ''
  const named = namesTransports(report)
  const items = failed.map((c) => `<li class="v-${esc(c.verdict)}"><span class="badge">${esc(c.verdict)}</span> <a href="#${esc(caseAnchor(c, named))}"><code>${esc(caseLabel(c, named))}</code></a> <span class="muted">§${esc(c.section)} ${esc(c.level)}</span></li>`)
  return `\n<ul class="jump" aria-label="Failures">${items.join('')}</ul>`
}

/** The run's own troubles: an interruption, and exceptions that escaped every case. */
function faults(report: HtmlReport): string {
  const stopped = report.interrupted
    ? `<section class="faults stopped" id="interrupted"><h2>Interrupted</h2><p>The run was stopped (SIGINT) before every case had ended: ${report.summary['not-run']} case(s) not run.</p></section>`
    : ''
  if (report.faults.length === 0) return stopped
  const items = report.faults.map((f, i) => `<h3>Harness fault ${i + 1} of ${report.faults.length} (not blamed on one case)</h3><pre>${esc(f)}</pre>`)
  return `${stopped}<section class="faults" id="faults"><h2>Faults of the run</h2>${items.join('\n')}</section>`
}

function judgement(report: HtmlReport): string {
  const j = report.expectations
  if (!j) return ''
  const list = (title: string, ids: readonly string[]) => (ids.length ? `<li>${esc(title)}: ${ids.map((id) => `<code>${esc(id)}</code>`).join(', ')}</li>` : '')
  const renamed = Object.entries(j.renamed).map(([from, to]) => `${from} → ${to}`)
  return `<section class="judgement ${j.ok ? 'ok' : 'bad'}" id="expectations"><h2>Expectations (${esc(j.file)}): ${j.ok ? 'nothing unexpected' : 'the run differs from the file'}</h2><ul>
${list('expected failures', j.expectedFailures)}${list('unexpected failures, not in the file', j.unexpectedFailures)}${list('expected to fail but now pass (update the file)', j.unexpectedPasses)}${list('ids no case has (renamed or removed)', j.unknownIds)}${list('renamed (alias)', renamed)}
</ul></section>`
}

function filters(report: HtmlReport): string {
  const boxes = VERDICTS.filter((v) => report.summary[v] > 0).map((v) =>
    `<label class="chip v-${esc(v)}"><input type="checkbox" checked data-verdict="${esc(v)}" data-failure="${isFailure(v)}">${esc(v)} <b>${report.summary[v]}</b></label>`)
  return `<nav class="filters" hidden aria-label="Filter cases by verdict"><span class="muted">Show:</span>${boxes.join('')}<button type="button" data-show="failures">failures only</button><button type="button" data-show="all">all</button></nav>`
}

function flowTable(report: HtmlReport, columns: readonly Verdict[]): string {
  const flows = [...new Set(report.cases.map((c) => c.flow))]
  const rows = flows.map((f) => {
    const cases = report.cases.filter((c) => c.flow === f)
    return `<tr><td><a href="#flow-${esc(f)}">${esc(f)}</a></td><td>${esc(formatSectionSpan(cases.map((c) => c.section)))}</td>${countCells(cases, columns)}</tr>`
  })
  return `<h2>Verdicts per flow</h2><div class="scroll"><table class="flows"><thead><tr><th>flow</th><th>sections</th>${countHeads(columns)}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

/** What the run found of each optional feature (PROTOCOL.md §2.2): why its cases ran or were held. */
function featureTable(report: HtmlReport): string {
  if (!report.features || report.features.length === 0) return ''
  const yes = (b: boolean): string => (b ? 'yes' : 'no')
  const rows = report.features.map((f) => `<tr><td>${esc(f.feature)}</td><td>${yes(f.announced)}</td><td>${yes(f.implemented)}</td><td>${yes(f.required)}</td><td>${esc(f.message)}</td></tr>`)
  return `<h2>Optional features</h2><div class="scroll"><table class="features"><thead><tr><th>feature</th><th>announced</th><th>implemented</th><th>required</th><th>finding</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

/** "2.10" after "2.9": by number, part by part. */
function compareSections(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? -1) !== (pb[i] ?? -1)) return (pa[i] ?? -1) - (pb[i] ?? -1)
  return 0
}

function sectionTable(groups: Map<string, CaseResult[]>, sections: Map<string, ProtocolSection>, columns: readonly Verdict[]): string {
  const rows = [...groups].sort(([a], [b]) => compareSections(a, b)).map(([s, cases]) =>
    `<tr><td><a href="#s${esc(s)}">§${esc(s)}</a></td><td>${sections.has(s) ? inline(sections.get(s)!.title) : '(not in PROTOCOL.md)'}</td>${countCells(cases, columns)}</tr>`)
  return `<h2>Verdicts per PROTOCOL.md section</h2><div class="scroll"><table class="sections"><thead><tr><th>section</th><th>title</th>${countHeads(columns)}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

function traceTable(trace: readonly TraceEntry[], open: boolean): string {
  const rows = trace.map((e) => {
    const arrow = e.dir === 'send' ? '→ send' : e.dir === 'recv' ? '← recv' : '• event'
    const cmd = e.name ?? (e.cmd === undefined ? '' : `cmd ${e.cmd}`)
    const body = [e.body === undefined ? '' : e.body === '' ? '<span class="muted">(empty body)</span>' : `<code>${esc(e.body)}</code>`, e.note === undefined ? '' : `<span class="muted">${esc(e.note)}</span>`].filter(Boolean).join('<br>')
    return `<tr><td class="n">${esc(e.t)}</td><td class="dir dir-${esc(e.dir)}">${arrow}</td><td class="cmd">${esc(cmd)}${e.name && e.cmd !== undefined ? ` <span class="muted">(${esc(e.cmd)})</span>` : ''}</td><td class="n">${esc(e.seq ?? '')}</td><td class="body">${body}</td></tr>`
  })
  return `<details class="trace"${open ? ' open' : ''}><summary>Frame trace (${trace.length} ${trace.length === 1 ? 'entry' : 'entries'})</summary><div class="scroll"><table><thead><tr><th class="n">ms</th><th>dir</th><th>cmd</th><th class="n">seq</th><th>body</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></details>`
}

function caseHtml(r: HtmlReport['cases'][number], named: boolean): string {
  const failure = isFailure(r.verdict)
  return `<article class="case v-${esc(r.verdict)}" data-verdict="${esc(r.verdict)}" id="${esc(caseAnchor(r, named))}">
<header><span class="badge">${esc(r.verdict)}</span><code class="id">${esc(caseLabel(r, named))}</code><span class="meta">§${esc(r.section)} · ${esc(r.level)} · ${esc(r.durationMs)} ms</span></header>
<p class="req">${esc(r.requirement)}</p>${r.expected ? `\n<p class="expected">expected (--expect, ${esc(r.expected.verdict)}): ${esc(r.expected.reason)}</p>` : ''}${r.message ? `\n<pre class="msg">${esc(r.message)}</pre>` : ''}${r.trace?.length ? `\n${traceTable(r.trace, failure)}` : ''}
</article>`
}

function sectionBlock(s: string, cases: readonly HtmlReport['cases'][number][], sections: Map<string, ProtocolSection>, named: boolean): string {
  const spec = sections.get(s)
  const quote = spec
    ? `<details><summary>PROTOCOL.md §${esc(s)} ${inline(spec.title)} (quoted)</summary><div class="quote">${quoteHtml(spec.body)}</div></details>`
    : '<p class="muted">PROTOCOL.md has no such section.</p>'
  return `<section class="sec" id="s${esc(s)}"><h3>§${esc(s)} ${inline(spec?.title ?? '')} <span class="muted">${cases.length} case${cases.length === 1 ? '' : 's'}</span></h3>
${quote}
${cases.map((c) => caseHtml(c, named)).join('\n')}
</section>`
}

/** Cases by section, sections in the order the run first met them. */
function bySection(cases: readonly HtmlReport['cases'][number][]): Map<string, HtmlReport['cases'][number][]> {
  const groups = new Map<string, HtmlReport['cases'][number][]>()
  for (const c of cases) groups.set(c.section, [...(groups.get(c.section) ?? []), c])
  return groups
}

/**
 * The run as one self-contained HTML page (inline style and script, nothing fetched): the outcome,
 * verdicts per flow and per PROTOCOL.md section, and every case under its section with that
 * section's text quoted once; failures show their message and frame trace expanded.
 */
export function formatHtml(report: HtmlReport, sections: Map<string, ProtocolSection> = shippedProtocolSections()): string {
  const columns = VERDICTS.filter((v) => report.summary[v] > 0)
  const flows = [...new Set(report.cases.map((c) => c.flow))]
  const body = flows.map((f) => {
    const groups = bySection(report.cases.filter((c) => c.flow === f))
    return `<section class="flow" id="flow-${esc(f)}"><h2>Cases: ${esc(formatFlowHeading(f, report.cases, false))}</h2>\n${[...groups].map(([s, cases]) => sectionBlock(s, cases, sections, namesTransports(report))).join('\n')}\n</section>`
  })
  const outcome = formatSummary(report, false).split('\n')[1] ?? ''
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>imh conform — ${esc(outcome.split(':')[0])} — ${esc(report.target.scheduler)}</title>
<style>${pageStyle()}</style>
</head>
<body>
<main>
${header(report)}
${faults(report)}
${judgement(report)}
${flowTable(report, columns)}
${featureTable(report)}
${sectionTable(bySection(report.cases), sections, columns)}
${filters(report)}
${body.join('\n')}
<footer>Written by ${esc(report.tool.name)} ${esc(report.tool.version)}. Requirements are quoted from the PROTOCOL.md shipped with this version of the harness.</footer>
</main>
<script>${FILTER_SCRIPT}</script>
</body>
</html>
`
}
