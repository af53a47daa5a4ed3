import type {Clock} from '../clock.js'
import type {ArrivalPlan} from './plan.js'
import {shareCount, type Share} from './share.js'
import type {VirtualUser, VuFactory} from './virtual-user.js'
import {VuPool} from './vu-pool.js'
import {isAbort, within} from './within.js'

export {VuPool} from './vu-pool.js'

/** Options of {@link prepareArrivals}. */
export interface PrepareOptions {
  share: Share
  /** Passed to every create; aborting it makes the factory give up. */
  signal: AbortSignal
  /** Creates in flight at once. */
  rampConcurrency: number
  onError(err: unknown, phase: 'create'): void
}

/** Options of {@link runArrivals}. */
export interface ArrivalOptions {
  clock: Clock
  share: Share
  /** Stops dispatching; in-flight iterations still get gracefulStopMs. */
  signal: AbortSignal
  /** Clock time the scenario starts (the same on every worker). */
  startMs: number
  onError(err: unknown, phase: 'create' | 'iterate'): void
  /** An iteration found no free VU at its time; it is not retried. */
  onDropped(): void
  /** An iteration was started. */
  onIteration?(): void
}

/** After a failed on-demand create, growth pauses this long so a refusing server is not hammered. */
const GROWTH_BACKOFF_MS = 1000

/**
 * Connects this worker's share of the plan's preAllocatedVUs (global indices `k * W + w`) before
 * the run starts. Failed creates are reported and leave the pool smaller; it may grow back
 * during the run, up to this worker's share of maxVUs.
 */
export async function prepareArrivals(plan: ArrivalPlan, factory: VuFactory, o: PrepareOptions): Promise<VuPool> {
  const pool = new VuPool(factory, o.share, plan.maxVUs, o.rampConcurrency)
  const creates = Array.from({length: shareCount(plan.preAllocatedVUs, o.share)}, () =>
    pool.grow(o.signal).catch((err: unknown) => {
      if (!isAbort(err, o.signal)) o.onError(err, 'create')
    }),
  )
  await Promise.all(creates)
  return pool
}

/**
 * Runs this worker's iterations (global `i` with `i % W === w`) of an open-model plan: each at
 * its intended time on a free VU of the pool, without waiting for earlier ones to finish. With
 * no VU free the iteration is dropped and, if the pool may grow, one more VU is created in the
 * background. An overdue iteration (the driver fell behind) still starts at once and is given
 * its original intended time — but none start once the scenario's duration is over. Waits for
 * in-flight iterations until gracefulStopMs after the end, then resolves with the pool's VUs,
 * still open: closing them is the caller's job (and interrupts iterations that overran).
 */
export async function runArrivals(plan: ArrivalPlan, pool: VuPool, o: ArrivalOptions): Promise<VirtualUser[]> {
  const {clock, share} = o
  const endMs = o.startMs + plan.durationMs
  const inFlight = new Set<Promise<void>>()
  const track = (work: Promise<void>): void => {
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }
  const growth = new AbortController()
  const growthSignal = AbortSignal.any([o.signal, growth.signal])
  let growAfter = -Infinity

  for (let i = share.worker; !o.signal.aborted; i += share.workers) {
    const at = plan.iterationAt(i)
    if (at === undefined) break
    const intended = o.startMs + at
    const wait = intended - clock.now()
    if (wait > 0) {
      try {
        await clock.sleep(wait, o.signal)
      } catch {
        break
      }
    }
    if (clock.now() >= endMs) break
    const vu = pool.take()
    if (vu !== undefined) {
      o.onIteration?.()
      track(iterate(pool, vu, intended, o.onError))
      continue
    }
    o.onDropped()
    if (pool.canGrow() && clock.now() >= growAfter) {
      track(pool.grow(growthSignal).then(
        () => undefined,
        (err: unknown) => {
          if (isAbort(err, growthSignal)) return
          o.onError(err, 'create')
          growAfter = clock.now() + GROWTH_BACKOFF_MS
        },
      ))
    }
  }

  // gracefulStop counts from the scenario's end (or from now when aborted), as in k6.
  const stopAt = o.signal.aborted ? clock.now() : Math.max(clock.now(), endMs)
  await within(clock, stopAt + plan.gracefulStopMs - clock.now(), Promise.all(inFlight))
  pool.seal()
  growth.abort()
  return pool.vus
}

async function iterate(pool: VuPool, vu: VirtualUser, intendedMs: number, onError: ArrivalOptions['onError']): Promise<void> {
  try {
    await vu.iterate(intendedMs)
  } catch (err) {
    onError(err, 'iterate')
  } finally {
    pool.release(vu)
  }
}
