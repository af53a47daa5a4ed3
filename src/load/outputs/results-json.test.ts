import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import * as hdr from 'hdr-histogram-js'
import {afterEach, describe, expect, it} from 'vitest'
import type {RunResult} from '../types.js'
import {RESULTS_SCHEMA, toResultsJson, writeResultsJson} from './results-json.js'

// The layout workers use (src/common/histogram.ts): microseconds, 1 µs to 1 h, 3 digits.
const LAYOUT = {lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false} as const

function histogram(valuesUs: number[]): string {
  const h = hdr.build(LAYOUT)
  for (const v of valuesUs) h.recordValue(v)
  const s = hdr.encodeIntoCompressedBase64(h)
  h.destroy()
  return s
}

function result(over: Partial<RunResult> = {}): RunResult {
  return {
    meta: {
      profile: 'chat-small', profileFile: 'profiles/chat-small.yaml', target: 'http://127.0.0.1:9000/dns', embeddedServer: false,
      imhVersion: '0.1.0', node: 'v20.20.2',
      machine: {platform: 'linux', release: '6', arch: 'x64', cpus: 8, cpuModel: 'cpu', totalMemoryMb: 16000, hostname: 'h'},
      workers: 2, seed: 42, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000.123456, overrides: {clients: 100},
      scenarios: [{name: 'chat', scenario: 'chat', executor: 'constant-vus'}],
    },
    metrics: {
      sync_latency: {count: 3, min: 1.0001234, avg: 2.3333333, p50: 2.0004999, p90: 3.999, p99: 3.999, p999: 3.999, max: 4.0009, histogram: histogram([1000, 2000, 4000])},
      login: {count: 0, min: Number.POSITIVE_INFINITY, avg: Number.NaN, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, histogram: histogram([])},
    },
    counters: {sent: 10, delivered: 10},
    errors: {IMH_ERR_TIMEOUT: 1},
    thresholds: [{metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 3.999, abortOnFail: false}],
    saturation: {flagged: false, boundMs: 50, maxEventLoopLagMs: 4.56789, judgedSeconds: 3, workers: [{worker: 0, maxLagMs: 4.56789, saturatedSeconds: 0}]},
    rate: {flagged: false, tolerance: 0.95, scenarios: []},
    timeSeries: [{second: 1, elapsedMs: 1000.4, vus: 100, counters: {sent: 10}, metrics: {sync_latency: {count: 3, p50: 2.0004999, p99: 3.99912}}, maxEventLoopLagMs: 1.23456, saturated: false}],
    ...over,
  }
}

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, {recursive: true, force: true})))
})

describe('toResultsJson', () => {
  it('survives JSON with the documented keys, ms rounded to 3 decimals', () => {
    const doc = JSON.parse(JSON.stringify(toResultsJson(result())))
    expect(doc.schema).toBe(RESULTS_SCHEMA)
    expect(Object.keys(doc)).toEqual(['schema', 'meta', 'ok', 'metrics', 'counters', 'errors', 'thresholds', 'saturation', 'rate', 'timeSeries'])
    expect(doc.ok).toBe(true)
    expect(Object.keys(doc.metrics.sync_latency)).toEqual(['count', 'min', 'p50', 'p90', 'p99', 'p999', 'max', 'avg', 'histogram'])
    expect(doc.metrics.sync_latency).toMatchObject({count: 3, min: 1, p50: 2.0, max: 4.001, avg: 2.333})
    expect(doc.metrics.login).toMatchObject({count: 0, min: 0, avg: 0, max: 0})
    expect(doc.meta.durationMs).toBe(60_000.123)
    expect(doc.saturation).toEqual({flagged: false, boundMs: 50, maxEventLoopLagMs: 4.568, judgedSeconds: 3, workers: [{worker: 0, maxLagMs: 4.568, saturatedSeconds: 0}]})
    expect(doc.timeSeries[0]).toMatchObject({second: 1, elapsedMs: 1000.4, maxEventLoopLagMs: 1.235, metrics: {sync_latency: {count: 3, p50: 2, p99: 3.999}}})
    expect(doc.thresholds[0]).toEqual({metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 3.999, abortOnFail: false})
  })

  it('is not ok when a threshold failed, the run was aborted or the run failed', () => {
    const failed = result({thresholds: [{metric: 'login', expression: 'p(95)<100', ok: false, actual: null, abortOnFail: false}]})
    expect(toResultsJson(failed).ok).toBe(false)
    const aborted = toResultsJson(result({aborted: {reason: 'interrupted', atMs: 1234.56789}}))
    expect(aborted).toMatchObject({ok: false, aborted: {reason: 'interrupted', atMs: 1234.568}})
    expect(toResultsJson(result({runError: {code: 'IMH_ERR_WORKER_FAILED', message: 'boom'}})).ok).toBe(false)
  })

  it('keeps histograms that decode and add up exactly, in microseconds (the recipe in docs/results-schema.md)', () => {
    const runs = [toResultsJson(result()), toResultsJson(result())].map((r) => JSON.parse(JSON.stringify(r)))
    const total = hdr.build(LAYOUT)
    for (const run of runs) {
      const h = hdr.decodeFromCompressedBase64(run.metrics.sync_latency.histogram, 32, false)
      total.add(h)
      h.destroy()
    }
    expect(total.totalCount).toBe(6)
    expect(total.getValueAtPercentile(50) / 1000).toBeCloseTo(2, 1)
    expect(total.maxValue / 1000).toBeCloseTo(4, 1)
    total.destroy()
  })
})

describe('writeResultsJson', () => {
  it('writes the document into a new directory and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imh-results-'))
    dirs.push(dir)
    const file = join(dir, 'out', 'results.json')
    await writeResultsJson(file, result())
    const text = await readFile(file, 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(JSON.parse(text).schema).toBe('imharness/load-results@1')
    expect(await readdir(join(dir, 'out'))).toEqual(['results.json'])
  })
})
