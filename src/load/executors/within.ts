import type {Clock} from '../clock.js'

/**
 * Waits for `work` to settle, at most `ms` of clock time. True when it settled in time. The
 * timer is cancelled once the work settles, so a long grace period does not keep the process up.
 */
export async function within(clock: Clock, ms: number, work: Promise<unknown>): Promise<boolean> {
  const timer = new AbortController()
  const timeout = clock.sleep(ms, timer.signal).then(() => false, () => false)
  try {
    return await Promise.race([work.then(() => true, () => true), timeout])
  } finally {
    timer.abort()
  }
}

/** Whether `err` is just the consequence of `signal` being aborted rather than a real failure. */
export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (err === signal.reason || (err instanceof Error && err.name === 'AbortError'))
}
