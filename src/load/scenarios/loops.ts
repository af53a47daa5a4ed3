import type {ImhError} from '../../protocol/index.js'
import type {Clock} from '../clock.js'

/** Resolves when the signal aborts; throws the session's error when the server ends it first. */
export async function untilAbortOrClosed(signal: AbortSignal, closed: Promise<ImhError>): Promise<void> {
  if (signal.aborted) return
  const aborted = new Promise<'aborted'>((resolve) => signal.addEventListener('abort', () => resolve('aborted'), {once: true}))
  const outcome = await Promise.race([aborted, closed])
  if (outcome !== 'aborted') throw outcome
}

/**
 * Runs `body` (a VU's own paced loop) while the link lives: resolves when the signal aborts, throws
 * the session's error when the server ends it first, and in both cases waits for `body` to stop.
 * `alive()` tells `body` whether to go on.
 */
export async function whileLinked(signal: AbortSignal, closed: Promise<ImhError>, body: (alive: () => boolean) => Promise<void>): Promise<void> {
  let dead = false
  void closed.then(() => (dead = true))
  const running = body(() => !signal.aborted && !dead)
  try {
    await untilAbortOrClosed(signal, closed)
  } finally {
    await running
  }
}

/**
 * Runs `action` every `periodMs` from a random phase until the signal aborts, waiting for each
 * action before the next (closed model: a slow server slows the VU down); `action` gets the time
 * it started at.
 */
export async function paced(clock: Clock, random: () => number, periodMs: number, signal: AbortSignal, action: (startedMs: number) => Promise<void>): Promise<void> {
  let next = clock.now() + random() * periodMs
  while (!signal.aborted) {
    await clock.sleep(next - clock.now(), signal).catch(() => undefined)
    if (signal.aborted) break
    await action(clock.now())
    next = Math.max(next + periodMs, clock.now())
  }
}
