import {LatencyHistogram} from '../../src/common/histogram.js'
import {seededRandom} from '../../src/common/random.js'
import {RESULTS_SCHEMA, type ResultsJson} from '../../src/load/outputs/results-json.js'

/**
 * `n` latencies (ms) from a log-normal distribution around `medianMs` (a long right tail, as
 * request latencies have), drawn from a seeded generator so a test repeats exactly; `scale`
 * multiplies every sample (a shift of the whole distribution).
 */
export function seededLatencies(seed: number, n: number, medianMs = 5, scale = 1): LatencyHistogram {
  const random = seededRandom(seed)
  const h = new LatencyHistogram()
  for (let i = 0; i < n; i++) {
    // Box–Muller: one standard normal from two uniforms.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    h.record(medianMs * Math.exp(0.6 * z) * scale)
  }
  return h
}

/**
 * A seeded run of `metric`: `perSecond` samples in each of `seconds` seconds (log-normal as
 * {@link seededLatencies}, times `scale`; seconds listed in `slow` times `slowBy` more: a busy
 * machine's bad moments). Returns the run's histogram and its time series, as results.json has them.
 */
export function seededRun(seed: number, o: {metric?: string; seconds: number; perSecond: number; scale?: number; slow?: readonly number[]; slowBy?: number}): {histogram: LatencyHistogram; timeSeries: ResultsJson['timeSeries']} {
  const metric = o.metric ?? 'sync_latency'
  const histogram = new LatencyHistogram()
  const timeSeries: ResultsJson['timeSeries'] = []
  for (let second = 1; second <= o.seconds; second++) {
    const scale = (o.scale ?? 1) * (o.slow?.includes(second) ? (o.slowBy ?? 4) : 1)
    const h = seededLatencies(seed * 1000 + second, o.perSecond, 5, scale)
    histogram.add(h)
    timeSeries.push({second, elapsedMs: second * 1000, vus: 10, counters: {}, metrics: {[metric]: {count: h.count, p50: h.percentile(50), p99: h.percentile(99)}}, maxEventLoopLagMs: 1, saturated: false})
  }
  return {histogram, timeSeries}
}

/** A results.json document as imh load writes it, holding the given latency histograms and counters. */
export function resultsWith(o: {profile?: string; latencies?: Record<string, LatencyHistogram>; counters?: Record<string, number>; errors?: Record<string, number>; thresholds?: ResultsJson['thresholds']; regressions?: string[]; timeSeries?: ResultsJson['timeSeries']}): ResultsJson {
  const metrics = Object.fromEntries(Object.entries(o.latencies ?? {}).map(([name, h]) => [name, {...h.summary(), histogram: h.encode()}]))
  return {
    schema: RESULTS_SCHEMA,
    meta: {
      profile: o.profile ?? 'chat', profileFile: '', target: 'http://127.0.0.1:1/dns', embeddedServer: false, imhVersion: '0.0.0', node: process.version,
      machine: {platform: 'linux', release: '', arch: 'x64', cpus: 2, cpuModel: '', totalMemoryMb: 0, hostname: ''}, workers: 1, seed: 1,
      startedAt: '2026-12-01T00:00:00.000Z', durationMs: 10_000, overrides: {}, scenarios: [{name: 'chat', scenario: 'chat', executor: 'constant-vus'}], regressions: o.regressions ?? [],
    },
    ok: true,
    metrics,
    counters: o.counters ?? {},
    errors: o.errors ?? {},
    thresholds: o.thresholds ?? [],
    saturation: {flagged: false, boundMs: 100, maxEventLoopLagMs: 1, judgedSeconds: 10, workers: []},
    rate: {flagged: false, tolerance: 0.95, scenarios: []},
    timeSeries: o.timeSeries ?? [],
  }
}
