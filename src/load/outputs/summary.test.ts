import {describe, expect, it} from 'vitest'
import type {RunResult} from '../types.js'
import {formatSummary, secondRanges} from './summary.js'

function result(over: Partial<RunResult> = {}): RunResult {
  const m = (p50: number, p99: number) => ({count: 1200, min: 0.42, avg: p50 * 1.1, p50, p90: p50 * 2, p99, p999: p99 * 1.5, max: 250.5, histogram: 'HISTFAAA'})
  return {
    meta: {
      profile: 'chat-small', profileFile: 'profiles/chat-small.yaml', target: 'http://127.0.0.1:9000/dns', embeddedServer: true,
      imhVersion: '0.1.0', node: 'v20.20.2',
      machine: {platform: 'linux', release: '6', arch: 'x64', cpus: 8, cpuModel: 'cpu', totalMemoryMb: 16000, hostname: 'h'},
      workers: 2, seed: 42, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 60_000, overrides: {},
      scenarios: [{name: 'chat', scenario: 'chat', executor: 'constant-vus'}],
    },
    metrics: {sync_latency_uncorrected: m(2.5, 9.87), connect: m(1.234, 55.55), sync_latency: m(3.1, 12.3), custom_thing: m(150, 400)},
    counters: {iterations: 10, delivered: 23_990, sent: 24_000, data_sent: 4_100_000},
    errors: {IMH_ERR_TIMEOUT: 2, IMH_ERR_CLOSED: 7},
    thresholds: [
      {metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 12.3, abortOnFail: false},
      {metric: 'login', expression: 'p(95)<100', ok: false, actual: null, abortOnFail: false},
    ],
    saturation: {flagged: false, boundMs: 50, maxEventLoopLagMs: 4, judgedSeconds: 3, workers: [{worker: 0, maxLagMs: 4, saturatedSeconds: 0}, {worker: 1, maxLagMs: 3, saturatedSeconds: 0}]},
    rate: {flagged: false, tolerance: 0.95, scenarios: []},
    timeSeries: [1, 2, 3].map((s) => ({second: s, elapsedMs: s * 1000, vus: s * 700, counters: {}, metrics: {}, maxEventLoopLagMs: 1, saturated: false})),
    ...over,
  }
}

const flat = (s: string) => s.replace(/\s+/g, ' ')

// The same run under an arrival-rate executor: coordinated-omission correction applied.
function open(r: RunResult): RunResult {
  return {...r, meta: {...r.meta, scenarios: [{name: 'chat', scenario: 'chat', executor: 'constant-arrival-rate'}]}}
}

describe('formatSummary', () => {
  it('shows the header, an aligned latency table with the uncorrected row under its metric', () => {
    const text = formatSummary(open(result()))
    expect(text).toContain('imh load — chat-small → http://127.0.0.1:9000/dns (embedded reference server)')
    expect(text).toContain('workers 2 · clients peak 2100')
    const lines = text.split('\n')
    const row = (label: RegExp) => lines.findIndex((l) => label.test(l))
    expect(row(/└ uncorrected/)).toBe(row(/^ {2}sync_latency /) + 1)
    expect(row(/^ {2}connect /)).toBe(row(/└ uncorrected/) + 1)
    expect(row(/custom_thing/)).toBe(row(/^ {2}connect /) + 1)
    expect(text).not.toContain('sync_latency_uncorrected')
    expect(lines[row(/^ {2}connect /)]).toMatch(/1200\s+0\.42\s+1\.23\s+2\.47\s+55\.5\s+83\.3\s+251$/)
    const head = lines[row(/^latency \(ms\)/)]!
    expect(head.indexOf('p99.9') + 'p99.9'.length).toBe(lines[row(/^ {2}connect /)]!.indexOf('83.3') + 4)
  })

  it('says in the header which shard a run is, or which shards a merge holds', () => {
    const shard = (s: RunResult['meta']['shard']) => formatSummary(result({meta: {...result().meta, shard: s}}))
    expect(shard({index: 1, count: 4})).toContain('workers 2 · shard 1/4 · clients peak')
    expect(shard({count: 4, present: [0, 1, 3]})).toContain('workers 2 · merged shards 0, 1, 3 of 4 · clients peak')
    expect(shard({count: 2, present: [1]})).toContain('merged shard 1 of 2 ·')
  })

  it('shows uncorrected rows only where correction applied and changed a figure', () => {
    expect(formatSummary(result())).not.toContain('└ uncorrected')
    const same = open(result())
    same.metrics.sync_latency_uncorrected = same.metrics.sync_latency!
    expect(formatSummary(same)).not.toContain('└ uncorrected')
    expect(formatSummary(open(result()))).toContain('└ uncorrected')
  })

  it('flags a missed rate with achieved vs requested and the seconds behind', () => {
    const r = result({rate: {flagged: true, tolerance: 0.95, scenarios: [{scenarios: ['pairs'], counter: 'sent', unit: 'messages', scheduledPerS: 5000, requestedPerS: 5000, achievedPerS: 4194, ratio: 0.8388, missed: true, behindSeconds: [3, 4, 5, 9]}]}})
    expect(flat(formatSummary(r))).toContain('!! WARNING: the requested rate was not achieved: pairs achieved 4194 of 5000 messages/s requested (84%), behind schedule in seconds 3–5, 9.')
    expect(formatSummary(result())).not.toContain('rate was not achieved')
  })

  it('lists counters in the usual order with rates, and errors by count', () => {
    const text = formatSummary(result())
    expect(text.indexOf('  sent')).toBeLessThan(text.indexOf('  delivered'))
    expect(text.indexOf('  delivered')).toBeLessThan(text.indexOf('  iterations'))
    expect(text).toMatch(/ {2}sent\s+24000\s+400$/m)
    expect(text).toMatch(/ {2}data_sent\s+4.10 MB\s+68.3 kB$/m)
    expect(text.indexOf('IMH_ERR_CLOSED')).toBeLessThan(text.indexOf('IMH_ERR_TIMEOUT'))
  })

  it('marks thresholds, including one with no samples, and fails the verdict', () => {
    const text = formatSummary(result())
    expect(text).toContain('✓ sync_latency p(99)<50 (actual 12.30)')
    expect(text).toContain('✗ login p(95)<100 (no samples)')
    expect(text).toContain('✗ run failed: 1 of 2 thresholds failed')
  })

  it('warns loudly about a saturated load generator only when flagged', () => {
    expect(formatSummary(result())).not.toContain('saturated')
    const saturation = {flagged: true, boundMs: 50, maxEventLoopLagMs: 212, judgedSeconds: 3, workers: [{worker: 0, maxLagMs: 80, saturatedSeconds: 2}, {worker: 1, maxLagMs: 212, saturatedSeconds: 9}]}
    const text = flat(formatSummary(result({saturation})))
    expect(text).toContain('the load generator was saturated: the longest event-loop stall reached 212 ms (bound 50 ms) on worker 1 (and 1 other worker)')
    expect(text).toContain('latencies measured then reflect the harness, not the server.')
  })

  it('says in which seconds the generator was saturated', () => {
    expect(secondRanges([1, 2, 3, 7, 9, 10])).toBe('1–3, 7, 9–10')
    const saturation = {flagged: true, boundMs: 50, maxEventLoopLagMs: 212, judgedSeconds: 3, workers: [{worker: 0, maxLagMs: 212, saturatedSeconds: 2}]}
    const base = result()
    const timeSeries = [1, 2, 3].map((second) => ({...base.timeSeries[0]!, second, saturated: second > 1}))
    expect(flat(formatSummary(result({saturation, timeSeries})))).toContain('in seconds 2–3 of 3;')
  })

  it('warns about an abort and a run error', () => {
    const text = flat(formatSummary(result({thresholds: [], aborted: {reason: 'threshold sync_latency p(99)<50 failed.', atMs: 42_500}, runError: {code: 'IMH_ERR_WORKER_FAILED', message: 'worker 1 exited with code 1'}})))
    expect(text).toContain('RUN ABORTED at 00:42: threshold sync_latency p(99)<50 failed. The figures above')
    expect(text).toContain('RUN FAILED (IMH_ERR_WORKER_FAILED): worker 1 exited with code 1')
    expect(text).toContain('✗ run failed: the run failed, the run was aborted')
  })

  it('passes with colour codes only when asked', () => {
    const ok = result({thresholds: [{metric: 'sync_latency', expression: 'p(99)<50', ok: true, actual: 12.3, abortOnFail: false}]})
    expect(formatSummary(ok)).toContain('✓ run passed: 1 threshold held')
    expect(formatSummary(ok)).not.toContain('\u001b[')
    expect(formatSummary(ok, {color: true})).toContain('\u001b[')
  })
})
