import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-download-'))
let server: ReferenceServer

// A small object so that the run does many whole downloads in a few seconds on a shared machine.
beforeAll(async () => {
  server = await startReferenceServer({limits: {downloadBytes: 2 * 1024 * 1024}})
})
afterAll(() => server.close())

describe('imh load --profile download', () => {
  it('downloads in Range chunks, verifies every byte, revalidates with 304 and reports throughput', async () => {
    const out = join(dir, 'download.json')
    const r = await runCli(['load', '--profile', 'download', '--target', server.urls.scheduler, '--workers', '0', '--clients', '2', '--duration', '3s', '--out', out, '--quiet'], 60_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = JSON.parse(readFileSync(out, 'utf8')) as ResultsJson
    expect(j.ok).toBe(true)
    expect(j.errors).toEqual({})
    expect(j.counters.download_bytes_verified).toBeGreaterThanOrEqual(2 * 1024 * 1024)
    expect(j.counters.download_bytes_verified! % (2 * 1024 * 1024)).toBe(0)
    expect(j.metrics.download_throughput?.count).toBeGreaterThan(0)
    expect(j.metrics.download_throughput!.p50).toBeGreaterThan(1000)
    // Two requests per chunk of 1 MiB, plus the 304 revalidation.
    expect(j.metrics.media_get!.count).toBe(j.metrics.download_throughput!.count * 3)
    expect(r.stdout).toMatch(/download_throughput\s+\d+\s+[\d.]+ [kMG]B\/s/)
  }, 90_000)
})
