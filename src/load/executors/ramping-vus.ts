import type {ExecutorSpec} from '../types.js'
import type {VuPlan} from './plan.js'

/**
 * VUs ramped linearly from `startVUs` through each stage's target. Like k6, the count moves only
 * once the interpolated value reaches the next whole VU: rounded down while ramping up, up while
 * ramping down (a VU leaves when the line passes below it, not as soon as it starts to). The end
 * of each stage is exactly its target; zero-length stages jump. At and after the last stage's
 * end the value stays at its target.
 */
export function rampingVus(spec: Extract<ExecutorSpec, {executor: 'ramping-vus'}>): VuPlan {
  const {startVUs, stages, gracefulRampDownMs, gracefulStopMs} = spec
  const durationMs = stages.reduce((sum, s) => sum + s.durationMs, 0)
  const maxVUs = stages.reduce((max, s) => Math.max(max, s.target), startVUs)
  const vusAt = (tMs: number): number => {
    let from = startVUs
    let stageStart = 0
    for (const {durationMs: d, target} of stages) {
      if (tMs < stageStart + d) {
        if (tMs <= stageStart) return from
        // Integer ms make the product exact, so whole values are not lost to rounding.
        const v = from + ((target - from) * (tMs - stageStart)) / d
        return target >= from ? Math.floor(v) : Math.ceil(v)
      }
      from = target
      stageStart += d
    }
    return from
  }
  // Each stage moves monotonically between its two ends, so the lowest value from tMs on is the
  // value at tMs or a later stage's target.
  const floorFrom = (tMs: number): number => {
    let low = vusAt(tMs)
    let end = 0
    for (const {durationMs: d, target} of stages) {
      end += d
      if (end > tMs) low = Math.min(low, target)
    }
    return low
  }
  return {kind: 'vus', durationMs, maxVUs, vusAt, floorFrom, gracefulStopMs, gracefulRampDownMs}
}
