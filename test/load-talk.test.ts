import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-talk-'))

describe('imh load --profile talk against the embedded reference server', () => {
  it('two call pairs set up calls, probe STUN and talk through the relay without loss or errors', async () => {
    const out = join(dir, 'talk-4.json')
    const r = await runCli(['load', '--profile', 'talk', '--clients', '4', '--duration', '6s', '--out', out, '--quiet'], 90_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.metrics.relay_latency?.count).toBeGreaterThan(0)
    expect(j.metrics.call_setup?.count).toBeGreaterThan(0)
    expect(j.metrics.stun_rtt?.count).toBeGreaterThan(0)
    expect(j.metrics.relay_jitter?.count).toBeGreaterThan(0)
    expect(j.counters.relay_received).toBeGreaterThan(0)
    expect(j.counters.relay_lost).toBe(0)
    expect(j.errors).toEqual({})
  }, 120_000)
})
