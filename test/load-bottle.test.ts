import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-bottle-'))

describe('imh load --profile bottle against the embedded reference server', () => {
  it('throws, picks and replies; replies reach their throwers; no errors', async () => {
    const out = join(dir, 'bottle-6.json')
    const r = await runCli(['load', '--profile', 'bottle', '--clients', '6', '--duration', '4s', '--workers', '0', '--out', out, '--quiet'], 90_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.metrics.bottle_pick?.count).toBeGreaterThan(0)
    expect(j.counters.bottles_thrown).toBeGreaterThan(0)
    expect(j.counters.bottles_picked).toBeGreaterThan(0)
    expect(j.counters.bottle_replies).toBeGreaterThan(0)
    expect(j.errors).toEqual({})
  }, 120_000)
})
