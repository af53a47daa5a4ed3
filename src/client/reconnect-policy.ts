import {ImhError} from '../protocol/index.js'

/**
 * How a virtual client comes back after its long link is lost (PROTOCOL.md §2.4): up to
 * `attempts` tries, the n-th (from 0) after a delay drawn uniformly from
 * [0, min(capMs, baseMs·2ⁿ)) — exponential back-off with full jitter, as Tencent Mars's
 * long-link reconnection and the AWS study of back-off ("Exponential Backoff And Jitter") advise:
 * thousands of clients of one dead node then spread their returns instead of arriving together.
 */
export interface ReconnectPolicy {
  baseMs: number
  capMs: number
  attempts: number
}

/** The defaults: 8 tries, the first within 250 ms, none after more than 8 s. */
export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({baseMs: 250, capMs: 8000, attempts: 8})

/** Checks a policy at the boundary, naming the option at fault. */
export function checkReconnectPolicy(p: ReconnectPolicy, option = 'reconnect'): ReconnectPolicy {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${option}.${field} must be ${want}, got ${String(got)}`, {option: `${option}.${field}`})
  }
  if (!Number.isFinite(p.baseMs) || p.baseMs <= 0) bad('baseMs', 'a number of ms > 0', p.baseMs)
  if (!Number.isFinite(p.capMs) || p.capMs < p.baseMs) bad('capMs', `a number of ms ≥ baseMs (${p.baseMs})`, p.capMs)
  if (!Number.isInteger(p.attempts) || p.attempts < 1) bad('attempts', 'an integer ≥ 1', p.attempts)
  return p
}

/** The delay before try `attempt` (from 0): full jitter under the capped exponential. */
export function backoffDelay(p: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(p.capMs, p.baseMs * 2 ** attempt)
}
