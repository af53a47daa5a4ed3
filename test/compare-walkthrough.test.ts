// The README's imh compare walk-through, shorter: a baseline and a candidate run of chat against
// the embedded reference server, imh compare's markdown table, and imh report's HTML of both.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-walkthrough-'))

describe('README walk-through: baseline, candidate, imh compare, imh report', () => {
  it('produces the markdown table and the HTML report', async () => {
    for (const name of ['base', 'cand']) {
      const r = await runCli(['load', 'chat', '--clients', '20', '--duration', '3s', '--quiet', '--out', join(dir, `${name}.json`)], 90_000)
      expect(r.code, r.stderr).toBe(0)
    }
    const cmp = await runCli(['compare', join(dir, 'base.json'), join(dir, 'cand.json'), '--max-regression', 'sync_latency:p(99)=+10%', '--max-regression', 'errors:+0', '--max-regression', 'sent:-5%', '--markdown'])
    // Two short runs on a shared machine may or may not differ beyond chance: either verdict is honest here.
    expect([0, 99]).toContain(cmp.code)
    writeFileSync(join(dir, 'comment.md'), cmp.stdout)
    expect(cmp.stdout).toMatch(/^\*\*imh compare\*\* — baseline `chat`/)
    expect(cmp.stdout).toMatch(/^\| sync_latency:p\(99\)=\+10% \| [\d.]+ \| [\d.]+ \| [\d.]+ \| (ok|noise|REGRESSED) \|$/m)
    expect(cmp.stdout).toMatch(/^\| errors:\+0 \| 0 \| 0 \| 0 \| ok \|$/m)
    const rep = await runCli(['report', join(dir, 'base.json'), join(dir, 'cand.json'), '--html', join(dir, 'report.html')])
    expect(rep.code, rep.stderr).toBe(0)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(html).toContain('"label":"base"')
    expect(html).toContain('"label":"cand"')
    expect(html).toContain('sync_latency')
  }, 180_000)
})
