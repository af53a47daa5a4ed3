import {LatencyHistogram} from '../../common/histogram.js'
import {seededRandom} from '../../common/random.js'
import {RESULTS_SCHEMA, type ResultsJson} from '../outputs/results-json.js'

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

/** A results.json document as imh load writes it, holding the given latency histograms and counters. */
export function resultsWith(o: {profile?: string; latencies?: Record<string, LatencyHistogram>; counters?: Record<string, number>; errors?: Record<string, number>; thresholds?: ResultsJson['thresholds']; regressions?: string[]}): ResultsJson {
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
    timeSeries: [],
  }
}
