import type {ExecutorSpec} from '../types.js'
import type {ArrivalPlan} from './plan.js'

interface Segment {
  startMs: number
  durationMs: number
  /** Rates per time unit at the segment's ends. */
  from: number
  to: number
  /** Scaled area before the segment's end (see below). */
  endArea: number
}

/**
 * An arrival rate ramped linearly from `startRate` through each stage's target (per
 * `timeUnitMs`). As in k6 (`RampingArrivalRateConfig.cal`), global iteration `i` (0-based) starts
 * at the first time the integral of the rate reaches `i + 1`, so the first iteration waits for a
 * whole iteration's worth of area instead of firing at 0 — unlike constant-arrival-rate, whose
 * first iteration is at 0. Stages with zero rate or zero length hold no iterations.
 *
 * Areas are kept scaled by `2 * timeUnitMs` — a stage's area is then `(from + to) * durationMs`,
 * exact for integer inputs — so that whole-iteration boundaries compare exactly.
 */
export function rampingArrivalRate(spec: Extract<ExecutorSpec, {executor: 'ramping-arrival-rate'}>): ArrivalPlan {
  const {startRate, timeUnitMs, stages, preAllocatedVUs, gracefulStopMs} = spec
  const segments: Segment[] = []
  let startMs = 0
  let from = startRate
  let area = 0
  for (const {durationMs, target} of stages) {
    area += (from + target) * durationMs
    segments.push({startMs, durationMs, from, to: target, endArea: area})
    startMs += durationMs
    from = target
  }
  const durationMs = startMs

  const rateAt = (tMs: number): number => {
    if (tMs < 0 || tMs >= durationMs) return 0
    for (const s of segments) {
      if (tMs < s.startMs + s.durationMs) return ((s.from + ((s.to - s.from) * (tMs - s.startMs)) / s.durationMs) * 1000) / timeUnitMs
    }
    return 0
  }

  const iterationAt = (i: number): number | undefined => {
    if (i < 0) return undefined
    const wanted = (i + 1) * 2 * timeUnitMs
    let before = 0
    for (const s of segments) {
      if (wanted <= s.endArea && s.endArea > before) {
        const t = s.startMs + offsetInSegment(s, wanted - before, s.endArea - before)
        return t < durationMs ? t : undefined
      }
      before = s.endArea
    }
    return undefined
  }

  return {
    kind: 'arrival',
    durationMs,
    preAllocatedVUs,
    maxVUs: Math.max(spec.maxVUs, preAllocatedVUs),
    gracefulStopMs,
    rateAt,
    iterationAt,
  }
}

/**
 * When the scaled area since the segment's start reaches `a` (0 < a <= total): the root of
 * `(to - from) / d * t² + 2 * from * t = a`, in the form without cancellation.
 */
function offsetInSegment(s: Segment, a: number, total: number): number {
  if (a === total) return s.durationMs
  const slope = (s.to - s.from) / s.durationMs
  return a / (s.from + Math.sqrt(Math.max(0, s.from * s.from + slope * a)))
}
