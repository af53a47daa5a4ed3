import {describe, expect, it} from 'vitest'
import {protocolSections, shippedProtocolSections} from '../../common/protocol-sections.js'
import {ALL_CASES} from '../cases/index.js'
import {type CaseResult, type ConformanceReport, VERDICTS} from '../types.js'
import {countVerdicts} from '../verdicts.js'
import {escapeHtml} from '../../common/html-escape.js'
import {formatHtml, quoteHtml} from './html.js'

const SPEC = protocolSections(`## 4. Long-link framing

<a id="s4.1"></a>
### 4.1 Header

A frame MUST start with the magic \`0xAB\` <b>bold</b>.

\`\`\`text
| magic | version |
\`\`\`

<a id="s5.3"></a>
### 5.3 Heartbeat

The server MUST echo a heartbeat.
`)

const SCRIPT = '<script>alert("pwned")</script>'

/** One case per verdict (whatever VERDICTS holds), the first two citing §4.1, a failure with a trace; flows own their sections, as in the catalogue. */
function report(): ConformanceReport {
  const cases: CaseResult[] = VERDICTS.map((verdict, i) => ({
    id: `g.case-${verdict}`, flow: i < 3 ? 'a' : 'b', section: i < 2 ? '4.1' : i === 2 ? '5.3' : '9.9', level: 'MUST', requirement: `requirement of ${verdict}`,
    verdict, durationMs: 10 + i, message: verdict === 'pass' ? '' : `message of ${verdict}`,
  }))
  const fail = cases.find((c) => c.verdict === 'fail')!
  fail.message = `got ${SCRIPT} & more`
  fail.trace = [
    {t: 0, dir: 'send', cmd: 6, name: 'HEARTBEAT', seq: 7, bodyLen: 2, body: '{"x":"<img src=x onerror=alert(1)>"}'},
    {t: 12.5, dir: 'recv', cmd: 99, seq: 7, body: '{}'},
    {t: 13, dir: 'event', note: 'closed by the server'},
  ]
  const pass = cases.find((c) => c.verdict === 'pass')!
  pass.trace = [{t: 1, dir: 'send', name: 'AUTH'}]
  return {
    tool: {name: 'imharness', version: '9.8.7'}, protocolVersion: 1, target: {scheduler: 'http://t/dns?a=1&b=2', embedded: false},
    startedAt: '2026-01-02T03:04:05.678Z', durationMs: 4321, strict: false,
    summary: {...countVerdicts(cases), total: cases.length, ok: false}, faults: ['Error: late <boom>\n    at x (y.js:1:2)'], interrupted: false, features: [], cases,
  }
}

/** The markup of the case `id`. */
function caseOf(html: string, id: string): string {
  const at = html.indexOf(`id="case-${id}"`)
  return html.slice(html.lastIndexOf('<article', at), html.indexOf('</article>', at))
}

describe('formatHtml', () => {
  const html = formatHtml(report(), SPEC)

  it('renders a foreign server\'s text as text: no tag of its own reaches the page', () => {
    expect(escapeHtml(`<a href='x'>&"`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&quot;')
    expect(html).toContain('got &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; more')
    expect(html).not.toContain(SCRIPT)
    expect(html.match(/<script>/g)).toHaveLength(1)
    expect(html).not.toContain('<img')
    expect(html).toContain('http://t/dns?a=1&amp;b=2')
    expect(html).toContain('Error: late &lt;boom&gt;')
  })

  it('is self-contained: nothing fetched, and a policy that forbids fetching', () => {
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//)
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`)
  })

  it('heads the page with the outcome, its exit code, the run and a count per verdict', () => {
    expect(html).toContain('HARNESS ERROR · exit 3')
    expect(html).toContain('2026-01-02 03:04:05 UTC')
    expect(html).toContain('4.3 s')
    expect(html).toContain('imharness 9.8.7')
    for (const v of VERDICTS) expect(html, v).toContain(`<li class="chip v-${v}"><b>1</b> ${v}</li>`)
    const jump = html.slice(html.indexOf('<ul class="jump"'), html.indexOf('</ul>', html.indexOf('<ul class="jump"')))
    expect(jump.match(/<a href="#case-([^"]+)">/g)).toEqual(VERDICTS.filter((v) => ['fail', 'non-strict', 'error'].includes(v)).map((v) => `<a href="#case-g.case-${v}">`))
  })

  it('tables the verdicts per section with the titles PROTOCOL.md gives, and per flow', () => {
    const table = html.slice(html.indexOf('<table class="sections">'), html.indexOf('</table>', html.indexOf('<table class="sections">')))
    expect(table).toContain('<td><a href="#s4.1">§4.1</a></td><td>Header</td>')
    expect(table).toContain('<td><a href="#s5.3">§5.3</a></td><td>Heartbeat</td>')
    expect(table).toContain('(not in PROTOCOL.md)')
    expect(table.indexOf('§4.1')).toBeLessThan(table.indexOf('§5.3'))
    expect(table.match(/<tr>/g)).toHaveLength(4)
    expect(html).toContain('<td><a href="#flow-a">a</a></td>')
    expect(html).toContain('<td><a href="#flow-b">b</a></td>')
  })

  it('renders every case with its verdict, section, level, duration and requirement', () => {
    for (const v of VERDICTS) {
      const c = caseOf(html, `g.case-${v}`)
      expect(c, v).toContain(`data-verdict="${v}"`)
      expect(c, v).toContain(`requirement of ${v}`)
      expect(c, v).toMatch(/§[\d.]+ · MUST · \d+ ms/)
    }
  })

  it('quotes each cited section once, collapsed, from its own paragraphs', () => {
    expect(html.match(/A frame MUST start with the magic/g)).toHaveLength(1)
    expect(html).toContain('<summary>PROTOCOL.md §4.1 Header (quoted)</summary>')
    expect(html).not.toMatch(/<details open><summary>PROTOCOL.md/)
    expect(quoteHtml('A `code` and <b>.\n\n```text\n| x |\n```')).toBe('<p>A <code>code</code> and &lt;b&gt;.</p>\n<pre>| x |</pre>')
    expect(quoteHtml('- one\n  more\n- **two**')).toBe('<ul><li>one\n  more</li><li><strong>two</strong></li></ul>')
  })

  it('shows a failure\'s message and frame trace expanded: direction, time, command, seq, body', () => {
    const c = caseOf(html, 'g.case-fail')
    expect(c).toContain('<details class="trace" open><summary>Frame trace (3 entries)</summary>')
    expect(c).toContain('<td class="n">0</td><td class="dir dir-send">→ send</td><td class="cmd">HEARTBEAT <span class="muted">(6)</span></td><td class="n">7</td>')
    expect(c).toContain('<code>{&quot;x&quot;:&quot;&lt;img src=x onerror=alert(1)&gt;&quot;}</code>')
    expect(c).toContain('<td class="n">12.5</td><td class="dir dir-recv">← recv</td><td class="cmd">cmd 99</td>')
    expect(c).toContain('<td class="dir dir-event">• event</td>')
    expect(c).toContain('closed by the server')
    expect(caseOf(html, 'g.case-pass')).toContain('<details class="trace"><summary>')
  })

  it('offers a filter per verdict that occurs, hidden until its script runs', () => {
    expect(html).toContain('<nav class="filters" hidden')
    for (const v of VERDICTS) expect(html).toContain(`data-verdict="${v}" data-failure="${['fail', 'non-strict', 'error'].includes(v)}"`)
  })

  it('shows the judgement and each expectation of an --expect run', () => {
    const r = report()
    const judged = {
      ...r, cases: r.cases.map((c) => (c.verdict === 'fail' ? {...c, expected: {verdict: 'fail' as const, reason: 'ticket <42>'}} : c)),
      expectations: {file: 'expect.json', ok: false, expectedFailures: ['g.case-fail'], unexpectedFailures: ['g.case-error'], unexpectedPasses: [], unknownIds: ['old.id'], renamed: {}},
    }
    const out = formatHtml(judged, SPEC)
    expect(out).toContain('Expectations (expect.json): the run differs from the file')
    expect(out).toContain('unexpected failures, not in the file: <code>g.case-error</code>')
    expect(out).toContain('ids no case has (renamed or removed): <code>old.id</code>')
    expect(caseOf(out, 'g.case-fail')).toContain('expected (--expect, fail): ticket &lt;42&gt;')
  })

  it('says a run was interrupted, with the exit code 130 it implies', () => {
    const r = report()
    const stopped = formatHtml({...r, interrupted: true}, SPEC)
    expect(stopped).toContain('INTERRUPTED · exit 130')
    expect(stopped).toContain('(interrupted: the cases not run are listed as not-run)')
    expect(stopped).toContain('before every case had ended: 1 case(s) not run.')
    expect(html).not.toContain('id="interrupted"')
  })

  it('tables what the run found of each optional feature, escaping the finding', () => {
    const r = report()
    r.features = [{feature: 'talk', announced: true, implemented: false, required: false, message: `probe answered ${SCRIPT}`}]
    const html = formatHtml(r, SPEC)
    expect(html).toContain('<h2>Optional features</h2>')
    expect(html).toMatch(/<td>talk<\/td><td>yes<\/td><td>no<\/td><td>no<\/td>/)
    expect(html).not.toContain(SCRIPT)
    expect(formatHtml(report(), SPEC)).not.toContain('Optional features')
  })

  it('finds a quote in the shipped PROTOCOL.md for every section the catalogue cites', () => {
    const missing = ALL_CASES.filter((c) => !shippedProtocolSections().get(c.section)?.body).map((c) => `${c.id} → §${c.section}`)
    expect(missing).toEqual([])
  })
})
