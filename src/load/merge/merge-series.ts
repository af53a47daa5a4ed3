import type {TickSample} from '../types.js'

/**
 * The shards' time series added second by second, by elapsed second of each shard's own run
 * (shards started apart by their scheduler are aligned on their starts, not on the wall clock).
 * Counters and clients add up exactly. A second's p50 and p99 cannot: results.json keeps no
 * per-second histograms, so the merge takes the highest of the shards' values — an upper bound of
 * that second's percentile over all samples (the union has at least the share p of its samples
 * at or below the highest shard's p-quantile), not the exact figure; the run's totals are exact.
 */
export function mergeSeries(series: readonly TickSample[][]): TickSample[] {
  const bySecond = new Map<number, TickSample>()
  for (const ticks of series) {
    for (const t of ticks) {
      const m = bySecond.get(t.second)
      if (!m) {
        bySecond.set(t.second, {...t, counters: {...t.counters}, metrics: Object.fromEntries(Object.entries(t.metrics).map(([k, v]) => [k, {...v}]))})
        continue
      }
      m.elapsedMs = Math.max(m.elapsedMs, t.elapsedMs)
      m.vus += t.vus
      for (const [k, n] of Object.entries(t.counters)) m.counters[k] = (m.counters[k] ?? 0) + n
      for (const [k, v] of Object.entries(t.metrics)) {
        const mine = m.metrics[k]
        m.metrics[k] = mine ? {count: mine.count + v.count, p50: Math.max(mine.p50, v.p50), p99: Math.max(mine.p99, v.p99)} : {...v}
      }
      m.maxEventLoopLagMs = Math.max(m.maxEventLoopLagMs, t.maxEventLoopLagMs)
      m.saturated ||= t.saturated
    }
  }
  return [...bySecond.values()].sort((a, b) => a.second - b.second)
}
