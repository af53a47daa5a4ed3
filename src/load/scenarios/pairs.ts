import type {ScenarioContext} from './context.js'

// The pairing of scenarios whose clients call or message each other (chat, talk).

/** Client 2m pairs with 2m+1: with workers taking indices round robin, pairs span workers. */
export function peerOf(index: number): number {
  return index ^ 1
}

/**
 * Whether `peer` takes part now: under VU executors only while the schedule has it active. The
 * schedule is the same in every worker, so both sides of a pair agree without talking.
 */
export function peerActive(ctx: Pick<ScenarioContext, 'plan' | 'clock' | 'startedAt'>, peer: number): boolean {
  if (ctx.plan.kind !== 'vus') return true
  return peer < ctx.plan.vusAt(ctx.clock.now() - ctx.startedAt)
}
