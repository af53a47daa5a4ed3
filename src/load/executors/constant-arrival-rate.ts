import type {ExecutorSpec} from '../types.js'
import type {ArrivalPlan} from './plan.js'

/** `rate` iterations per `timeUnitMs`, evenly spaced, the first at 0 (as k6 does). */
export function constantArrivalRate(spec: Extract<ExecutorSpec, {executor: 'constant-arrival-rate'}>): ArrivalPlan {
  const {rate, timeUnitMs, durationMs, preAllocatedVUs, gracefulStopMs} = spec
  return {
    kind: 'arrival',
    durationMs,
    preAllocatedVUs,
    // k6 raises maxVUs to preAllocatedVUs when it is set lower.
    maxVUs: Math.max(spec.maxVUs, preAllocatedVUs),
    gracefulStopMs,
    rateAt: (tMs) => (tMs >= 0 && tMs < durationMs ? (rate * 1000) / timeUnitMs : 0),
    iterationAt: (i) => {
      if (rate <= 0 || i < 0) return undefined
      // Multiply before dividing: i * 1000 / 10 is exact where i * (1000 / 10) may not be.
      const t = (i * timeUnitMs) / rate
      return t < durationMs ? t : undefined
    },
  }
}
