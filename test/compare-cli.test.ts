import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {resultsWith, seededLatencies} from './support/results-fixtures.js'
import {oneLine, runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-compare-'))
const write = (name: string, doc: unknown): string => {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(doc))
  return file
}
const base = write('base.json', resultsWith({latencies: {sync_latency: seededLatencies(1, 20_000)}, counters: {errors: 0, sent: 20_000}}))
const same = write('same.json', resultsWith({latencies: {sync_latency: seededLatencies(2, 20_000)}, counters: {errors: 0, sent: 20_000}}))
const slower = write('slower.json', resultsWith({latencies: {sync_latency: seededLatencies(3, 20_000, 5, 1.3)}, counters: {errors: 0, sent: 20_000}}))
const limits = ['--max-regression', 'sync_latency:p(99)=+10%', '--max-regression', 'errors:+0']

describe('imh compare', () => {
  it('exits 0 for a candidate from the same distribution and writes its comparison with --out', async () => {
    const out = join(dir, 'cmp.json')
    const r = await runCli(['compare', base, same, ...limits, '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('no regression: 2 limit(s) held')
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ok: true, judgements: [{verdict: 'within'}, {verdict: 'within'}]})
  })

  it('exits 99 when p99 shifted by 30%, and --markdown prints the table for a pull-request comment', async () => {
    const r = await runCli(['compare', base, slower, ...limits, '--markdown'])
    expect(r.code).toBe(99)
    expect(r.stdout).toContain('REGRESSION: 1 of 2 limit(s) failed')
    expect(r.stdout).toMatch(/\| sync_latency:p\(99\)=\+10% \| [\d.]+ \| [\d.]+ \| [\d.]+ \| REGRESSED \|/)
  })

  it('under GitHub Actions appends the markdown tables to the job summary and annotates each regression', async () => {
    const summary = join(dir, 'step-summary.md')
    const r = await runCli(['compare', base, slower, ...limits], 60_000, {GITHUB_STEP_SUMMARY: summary})
    expect(r.code).toBe(99)
    expect(readFileSync(summary, 'utf8')).toContain('| sync_latency:p(99)=+10% |')
    expect(r.stdout).toMatch(/^::error title=imh compare sync_latency::sync_latency:p\(99\)=\+10%25: regressed/m)
  })

  it("judges the candidate profile's own regression limits (results.json meta.regressions) without flags", async () => {
    const declared = write('declared.json', resultsWith({latencies: {sync_latency: seededLatencies(3, 20_000, 5, 1.3)}, regressions: ['sync_latency:p(99)=+10%']}))
    const r = await runCli(['compare', base, declared])
    expect(r.code).toBe(99)
    expect(r.stdout).toMatch(/sync_latency:p\(99\)=\+10%.*REGRESSED/)
  })

  it('exits 2 with a sentence, no stack trace, for a file that is not a results.json, a bad limit, different profiles, or an output it cannot write (compare and report)', async () => {
    const notResults = write('other.json', {hello: 1})
    const chat = write('mixed.json', resultsWith({profile: 'mixed'}))
    for (const [args, text] of [
      [['compare', base, join(dir, 'missing.json')], 'IMH_ERR_RESULTS_INVALID'],
      [['compare', base, notResults], 'is not a results.json of imh load'],
      [['compare', base, same, '--max-regression', 'sync_latency:+10%'], 'IMH_ERR_REGRESSION_INVALID'],
      [['compare', base, chat], 'IMH_ERR_COMPARE_MISMATCH'],
      [['compare', base, same, '--out', join(dir, 'nope', 'cmp.json')], `--out ${join(dir, 'nope', 'cmp.json')}: cannot write the report there (ENOENT)`],
      [['report', base, '--html', join(dir, 'nope', 'r.html')], `--html ${join(dir, 'nope', 'r.html')}: cannot write the report there (ENOENT)`],
    ] as const) {
      const r = await runCli([...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(oneLine(r.stderr)).toContain(text)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
