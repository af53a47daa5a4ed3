/** The schedule of a closed-model executor (constant-vus, ramping-vus). */
export interface VuPlan {
  kind: 'vus'
  durationMs: number
  maxVUs: number
  /** Integer global VU target `tMs` after the scenario's start. */
  vusAt(tMs: number): number
  /**
   * The lowest `vusAt` from `tMs` to the end: VUs below it are never stopped before the end, so
   * the executor lets them share one stop signal instead of an AbortController each. May be lower
   * than the true minimum (costs memory), never higher (a VU could not be stopped).
   */
  floorFrom(tMs: number): number
  gracefulStopMs: number
  gracefulRampDownMs: number
}

/** The schedule of an open-model executor (constant-arrival-rate, ramping-arrival-rate). */
export interface ArrivalPlan {
  kind: 'arrival'
  durationMs: number
  preAllocatedVUs: number
  maxVUs: number
  gracefulStopMs: number
  /** Iterations per second `tMs` after the start; 0 outside `[0, durationMs)`. */
  rateAt(tMs: number): number
  /** Intended start (ms after the scenario's start) of global iteration `i` (0-based); undefined at or after `durationMs`. */
  iterationAt(i: number): number | undefined
}

export type ExecutorPlan = VuPlan | ArrivalPlan
