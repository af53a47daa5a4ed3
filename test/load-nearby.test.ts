import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-nearby-'))

describe('imh load --profile nearby / shake against the embedded reference server', () => {
  it('nearby: clients report, list the people around them and fetch their avatars without errors', async () => {
    const out = join(dir, 'nearby.json')
    const r = await runCli(['load', '--profile', 'nearby', '--clients', '6', '--duration', '4s', '--workers', '0', '--out', out, '--quiet'], 90_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.metrics.nearby_query?.count).toBeGreaterThan(0)
    expect(j.metrics.media_get?.count).toBeGreaterThan(0)
    expect(j.counters.avatar_cache_miss).toBeGreaterThan(0)
    expect(j.counters.avatar_cache_hit).toBeGreaterThan(0)
    expect(j.errors).toEqual({})
  }, 120_000)

  it('shake: clients shaking together are matched and shown their matches\' avatars without errors', async () => {
    const out = join(dir, 'shake.json')
    const r = await runCli(['load', '--profile', 'shake', '--clients', '4', '--duration', '6s', '--workers', '0', '--out', out, '--quiet'], 90_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.metrics.shake_match?.count).toBeGreaterThan(0)
    expect(j.metrics.media_get?.count).toBeGreaterThan(0)
    expect(j.errors).toEqual({})
  }, 120_000)
})
