// Static HTML from template literals, as imh conform's report: the page has no state to manage.
// The charts are uPlot's (a small, well-kept canvas charting library for time series), its script
// and style sheet inlined so the file needs no network when it is opened.
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {escapeHtml as esc, scriptJson} from '../../common/html-escape.js'
import {chartRun} from './html-report-data.js'
import {REPORT_SCRIPT} from './html-report-script.js'
import type {ResultsJson} from './results-json.js'
import {LATENCY_COLUMNS, formatNumber, latencyFigures, orderMetrics, reportedLatencies} from './format.js'
import {rateText, saturationText} from './summary.js'

const require = createRequire(import.meta.url)
let uplot: {js: string; css: string} | undefined

function uplotAssets(): {js: string; css: string} {
  uplot ??= {js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')}
  return uplot
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--line:#3d444d;--ok:#3fb950;--bad:#f85149;--warn:#d29922}}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:0 0 8px}h2{font-size:1.2rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:right}th:first-child,td:first-child{text-align:left}
.ok{color:var(--ok)}.bad{color:var(--bad);font-weight:600}.warn{border-left:4px solid var(--warn);padding:4px 12px;margin:8px 0}
.muted{color:var(--muted)}#charts{display:flex;flex-wrap:wrap;gap:8px}.chart{margin:0}
`

function ok(r: ResultsJson): string {
  return r.ok ? '<span class="ok">passed</span>' : '<span class="bad">failed</span>'
}

function runHeader(r: ResultsJson, label: string): string {
  const m = r.meta
  return `<p><b>${esc(label)}</b>: ${esc(m.profile)} → ${esc(m.target)} · ${ok(r)} · started ${esc(m.startedAt)} · ${(m.durationMs / 1000).toFixed(1)} s · workers ${m.workers}</p>`
}

function warnings(r: ResultsJson, label: string): string {
  const w: string[] = []
  if (r.saturation.flagged) w.push(`<b>The load generator was saturated</b>: ${esc(saturationText(r.saturation, r.timeSeries))} (shaded on the time charts)`)
  if (r.rate.flagged) w.push(`<b>The requested rate was not achieved</b>: ${esc(rateText(r.rate))}`)
  if (r.aborted) w.push(`<b>Aborted</b> ${(r.aborted.atMs / 1000).toFixed(1)} s in: ${esc(r.aborted.reason)}`)
  if (r.runError) w.push(`<b>Run failed</b> (${esc(r.runError.code)}): ${esc(r.runError.message)}`)
  return w.map((x) => `<p class="warn">${esc(label)}: ${x}</p>`).join('\n')
}

function thresholds(runs: Array<[string, ResultsJson]>): string {
  const rows = new Map<string, string[]>()
  runs.forEach(([, r], i) => {
    for (const t of r.thresholds) {
      const key = `${t.metric} ${t.expression}`
      const row = rows.get(key) ?? runs.map(() => '<td class="muted">-</td>')
      row[i] = `<td class="${t.ok ? 'ok' : 'bad'}">${t.ok ? '✓' : '✗'} ${t.actual === null ? 'no samples' : esc(formatNumber(t.actual))}</td>`
      rows.set(key, row)
    }
  })
  if (rows.size === 0) return '<p class="muted">No thresholds.</p>'
  return `<table><tr><th>threshold</th>${runs.map(([l]) => `<th>${esc(l)}</th>`).join('')}</tr>${[...rows].map(([k, cells]) => `<tr><td><code>${esc(k)}</code></td>${cells.join('')}</tr>`).join('')}</table>`
}

function latencies(runs: Array<[string, ResultsJson]>): string {
  const names = orderMetrics(runs.flatMap(([, r]) => reportedLatencies(r.metrics, r.meta.scenarios)))
  const body = names.flatMap((n) => runs.map(([label, r]) => {
    const m = r.metrics[n]
    const cells = (m ? latencyFigures(n, m) : LATENCY_COLUMNS.map(() => '-')).map((v) => `<td>${esc(v)}</td>`).join('')
    return `<tr><td>${esc(n)}${runs.length > 1 ? ` <span class="muted">${esc(label)}</span>` : ''}</td>${cells}</tr>`
  }))
  return `<table><tr><th>latency (ms)</th>${LATENCY_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>${body.join('')}</table>`
}

/**
 * `imh report --html` and `imh load --html`: one self-contained page (no network when viewed) for
 * one run, or two side by side (the second drawn dashed): verdicts and warnings, thresholds,
 * latency percentiles, and charts — every latency metric's p50 and p99 per second, its HDR
 * percentile distribution (log scale), clients, each counter per second (errors among them), the
 * worst event-loop lag — with saturated seconds shaded.
 */
export function formatLoadHtml(runs: ReadonlyArray<{label: string; results: ResultsJson}>): string {
  const pairs: Array<[string, ResultsJson]> = runs.map((r) => [r.label, r.results])
  const assets = uplotAssets()
  const data = {runs: runs.map((r) => chartRun(r.results, r.label))}
  const title = `imh load — ${pairs.map(([, r]) => r.meta.profile).join(' vs ')}`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>${assets.css}</style><style>${STYLE}</style>
</head><body><main>
<h1>${esc(title)}</h1>
${pairs.map(([l, r]) => runHeader(r, l)).join('\n')}
${pairs.map(([l, r]) => warnings(r, l)).join('\n')}
<h2>Thresholds</h2>
${thresholds(pairs)}
<h2>Latencies</h2>
${latencies(pairs)}
<h2>Charts</h2>
<div id="charts"></div>
</main>
<script type="application/json" id="imh-data">${scriptJson(data)}</script>
<script>${assets.js}</script>
<script>${REPORT_SCRIPT}</script>
</body></html>
`
}
