import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCli} from './support/run-cli.js'

// Each client waits for an acknowledgement before its next message, so 4 clients cannot send
// 4,000 messages a second over loopback: the run must say so and fail its rate_achieved threshold.
describe('a missed rate', () => {
  it('is flagged in the summary and results.json and fails rate_achieved (exit 99)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imh-rate-'))
    const profile = join(dir, 'unreachable.yaml')
    writeFileSync(profile, `name: unreachable
options: {workers: 0, drain: 1s}
scenarios:
  pairs: {scenario: chat, executor: constant-vus, vus: 4, duration: 2s, messageRate: 1000, heartbeatInterval: 10s}
thresholds:
  rate_achieved: ['rate>0.95']
`)
    const out = join(dir, 'r.json')
    const r = await runCli(['load', profile, '--out', out], 90_000)
    expect(r.stdout).toContain('WARNING: the requested rate was not achieved: pairs achieved')
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/of \d+ messages\/s requested/)
    expect(r.stdout).toContain('✗ rate_achieved rate>0.95')
    expect(r.code).toBe(99)
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {rate: {flagged: boolean; scenarios: Array<Record<string, unknown>>}; ok: boolean}
    expect(doc.ok).toBe(false)
    expect(doc.rate.flagged).toBe(true)
    expect(doc.rate.scenarios[0]).toMatchObject({scenarios: ['pairs'], counter: 'sent', scheduledPerS: 4000, missed: true})
    expect(doc.rate.scenarios[0]!.requestedPerS as number).toBeGreaterThan(1000)
    expect(doc.rate.scenarios[0]!.ratio as number).toBeLessThan(0.95)
    expect((doc.rate.scenarios[0]!.behindSeconds as number[]).length).toBeGreaterThan(0)
  }, 120_000)
})
