import {VERDICTS, type Verdict} from '../types.js'

/**
 * Each verdict's colour (light theme, dark theme), typed over every verdict as text.ts's MARK is,
 * so a new verdict cannot be left out; everything else iterates VERDICTS.
 */
const COLOURS: Record<Verdict, [string, string]> = {
  pass: ['#1a7f37', '#3fb950'],
  'non-strict': ['#9a6700', '#d29922'],
  fail: ['#cf222e', '#f85149'],
  info: ['#0969da', '#58a6ff'],
  'not-applicable': ['#6e7781', '#8b949e'],
  error: ['#8250df', '#bc8cff'],
  'not-run': ['#6e7781', '#8b949e'],
  unimplemented: ['#57606a', '#9198a1'],
}
/** The page's colour outside any verdict. */
const NEUTRAL: [string, string] = ['#57606a', '#9198a1']

function colour(verdict: Verdict): [string, string] {
  return COLOURS[verdict]
}

/** The page's whole style sheet: inline, so the page needs nothing from the network. */
export function pageStyle(): string {
  const light = VERDICTS.map((v) => `.v-${v}{--c:${colour(v)[0]}}`).join('')
  const dark = VERDICTS.map((v) => `.v-${v}{--c:${colour(v)[1]}}`).join('')
  return `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--code:#eff2f5;--c:${NEUTRAL[0]}}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--code:#1f2630;--c:${NEUTRAL[1]}}${dark}}
${light}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:0 0 8px;display:flex;flex-wrap:wrap;gap:8px 12px;align-items:center}
h2{font-size:1.2rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
a{color:inherit}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0;padding:8px 10px;background:var(--code);border-radius:6px}
.outcome{font-size:.95rem;padding:2px 10px;border-radius:999px;color:#fff;background:var(--c)}
.outcome.ok{--c:${colour('pass')[0]}}.outcome.bad{--c:${colour('fail')[0]}}.outcome.harness{--c:${colour('error')[0]}}.outcome.stopped{--c:${colour('not-run')[0]}}
.summary{margin:0 0 10px;color:var(--muted)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 12px}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:6px;padding:0;margin:0;list-style:none}
.chip{display:inline-flex;gap:6px;align-items:center;border:1px solid var(--c);color:var(--c);border-radius:999px;padding:1px 10px;font-size:.85rem;white-space:nowrap}
.chip b{color:var(--fg)}
.chip.zero{opacity:.45}
.filters{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:1px solid var(--line);padding:8px 0;margin-top:12px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.filters label{cursor:pointer}
.filters input{margin:0 2px 0 0;accent-color:var(--c)}
.filters button{font:inherit;font-size:.85rem;padding:1px 10px;border:1px solid var(--line);border-radius:6px;background:var(--panel);color:var(--fg);cursor:pointer}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;width:5.5em}
td.n.v{color:var(--c);font-weight:600}
td.zero{color:var(--muted);opacity:.5}
.faults,.judgement{border:1px solid var(--c);border-left-width:4px;border-radius:6px;padding:8px 12px;margin:12px 0}
.judgement.ok{--c:${colour('pass')[0]}}.judgement.bad,.faults{--c:${colour('fail')[0]}}.faults.stopped{--c:${colour('not-run')[0]}}.faults h2{margin-top:4px}
.judgement ul{margin:4px 0;padding-left:20px}
.sec{margin:18px 0;padding:10px 12px;background:var(--panel);border:1px solid var(--line);border-radius:8px}
.sec>details{margin:6px 0}
summary{cursor:pointer;color:var(--muted)}
.quote{border-left:3px solid var(--line);padding:2px 0 2px 12px;margin:6px 0}
.quote p{margin:6px 0;white-space:pre-line}.quote ul{margin:6px 0;padding-left:20px}
.quote code,td code,h3 code,summary code{background:var(--code);padding:0 3px;border-radius:4px}
.case{margin:8px 0 0;padding:8px 10px;background:var(--bg);border:1px solid var(--line);border-left:4px solid var(--c);border-radius:6px}
.case header{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.case .id{font-weight:600;overflow-wrap:anywhere}
.badge{color:#fff;background:var(--c);border-radius:4px;padding:0 6px;font-size:.75rem;font-weight:700;letter-spacing:.03em;text-transform:uppercase}
.muted,.case .meta{color:var(--muted);font-size:.85rem}
.case .meta{margin-left:auto}
.req{margin:4px 0 0}
.expected{margin:4px 0 0;color:${colour('non-strict')[0]}}
.msg{border-left:3px solid var(--c)}
.trace td{font-size:.8rem}
.trace td.dir,.trace td.cmd{white-space:nowrap}
.jump{margin:10px 0 0;padding:0;list-style:none}.jump li{margin:2px 0}
.trace td.body code{white-space:pre-wrap;overflow-wrap:anywhere}
.dir-send{color:${colour('info')[0]}}.dir-recv{color:${colour('pass')[0]}}.dir-event{color:var(--muted)}
footer{margin:32px 0 8px;color:var(--muted);font-size:.85rem}
@media (max-width:600px){
main{padding:10px}.sec{padding:8px 6px}.case{padding:6px 8px}.case .meta{margin-left:0}th,td{padding:3px 5px}
.trace thead{display:none}.trace table,.trace tbody,.trace tr{display:block}.trace tr{border-bottom:1px solid var(--line);padding:3px 0}
.trace td{display:inline;border:0;padding:0 8px 0 0}.trace td.body{display:block;padding:0}}
`
}

/**
 * The verdict filter. The page is complete without it: the filter bar starts hidden and every
 * case visible, so a reader with scripts off sees everything.
 */
export const FILTER_SCRIPT = `
(() => {
  const bar = document.querySelector('.filters');
  if (!bar) return;
  const boxes = [...bar.querySelectorAll('input[data-verdict]')];
  const apply = () => {
    const shown = new Set(boxes.filter((b) => b.checked).map((b) => b.dataset.verdict));
    for (const c of document.querySelectorAll('.case')) c.hidden = !shown.has(c.dataset.verdict);
    for (const g of document.querySelectorAll('.sec, .flow')) g.hidden = !g.querySelector('.case:not([hidden])');
  };
  const set = (pick) => { for (const b of boxes) b.checked = pick(b); apply(); };
  bar.querySelector('[data-show="all"]').addEventListener('click', () => set(() => true));
  bar.querySelector('[data-show="failures"]').addEventListener('click', () => set((b) => b.dataset.failure === 'true'));
  for (const b of boxes) b.addEventListener('change', apply);
  bar.hidden = false;
})();
`
