import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-moments-'))

describe('imh load --profile moments against the embedded reference server', () => {
  it('friends post, page timelines, like and comment, and pull notices without errors', async () => {
    const out = join(dir, 'moments-6.json')
    const r = await runCli(['load', '--profile', 'moments', '--clients', '6', '--duration', '4s', '--workers', '0', '--out', out, '--quiet'], 90_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.metrics.moment_post?.count).toBeGreaterThan(0)
    expect(j.metrics.timeline_page?.count).toBeGreaterThan(0)
    expect(j.metrics.media_get?.count).toBeGreaterThan(0)
    expect(j.counters.avatar_cache_miss).toBeGreaterThan(0)
    expect(j.errors).toEqual({})
  }, 120_000)
})
