import type {ExecutorSpec} from '../types.js'
import type {VuPlan} from './plan.js'

/** A fixed number of VUs for the whole duration. */
export function constantVus(spec: Extract<ExecutorSpec, {executor: 'constant-vus'}>): VuPlan {
  const {vus, durationMs, gracefulStopMs} = spec
  return {
    kind: 'vus',
    durationMs,
    maxVUs: vus,
    vusAt: (tMs) => (tMs >= 0 && tMs < durationMs ? vus : 0),
    floorFrom: () => vus,
    gracefulStopMs,
    // Nothing ramps down here; this only bounds closing a VU whose loop failed.
    gracefulRampDownMs: gracefulStopMs,
  }
}
