import type {RunResult} from '../types.js'

/**
 * Whether a run passed: it finished on its own (not aborted), the harness did not fail, and every
 * threshold held. The same rule drives results.json's `ok`, the summary's verdict and, presumably,
 * the exit code.
 */
export function isRunOk(result: RunResult): boolean {
  return !result.runError && !result.aborted && result.thresholds.every((t) => t.ok)
}
