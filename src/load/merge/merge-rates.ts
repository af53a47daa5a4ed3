import {RATE_TOLERANCE, isBehind} from '../rate-check.js'
import type {RateReport} from '../types.js'

/**
 * The shards' rate reports added target by target (one target per counter). Each shard was asked
 * for its part of the rate, so requested and achieved rates add up; `missed` is judged again on
 * the sums over the `seconds` of the schedule. `behindSeconds` lists the seconds some shard fell
 * behind in (results.json keeps no per-second request, so the merged run's own seconds cannot be
 * judged again).
 */
export function mergeRates(reports: readonly RateReport[], seconds: number): RateReport {
  const byCounter = new Map<string, RateReport['scenarios'][number]>()
  for (const r of reports) {
    for (const s of r.scenarios) {
      const m = byCounter.get(s.counter)
      if (!m) {
        byCounter.set(s.counter, {...s, scenarios: [...s.scenarios], behindSeconds: [...s.behindSeconds]})
        continue
      }
      m.scheduledPerS += s.scheduledPerS
      m.requestedPerS += s.requestedPerS
      m.achievedPerS += s.achievedPerS
      m.behindSeconds = [...new Set([...m.behindSeconds, ...s.behindSeconds])].sort((a, b) => a - b)
    }
  }
  const n = Math.max(1, seconds)
  const scenarios = [...byCounter.values()].map((s) => ({
    ...s,
    ratio: s.requestedPerS > 0 ? s.achievedPerS / s.requestedPerS : 1,
    missed: isBehind(s.requestedPerS * n, s.achievedPerS * n),
  }))
  return {flagged: scenarios.some((s) => s.missed), tolerance: RATE_TOLERANCE, scenarios}
}
