import type {ScenarioContext} from './context.js'

// The pairing of scenarios whose clients call or message each other (chat, talk).

/**
 * Client 2m pairs with 2m+1: with workers taking indices round robin, pairs span workers (and
 * agents of a distributed run, which share one directory). An offline shard i of N
 * (`imh load --shard i/N`, `stride` N) owns the indices ≡ i mod N and has no directory in common
 * with the other shards, so there the pairs are kept inside the shard: the clients of rank 2m and
 * 2m+1 among its indices (index i + N·r has rank r). With N = 1 both rules are the same.
 */
export function peerOf(index: number, stride = 1): number {
  if (stride === 1) return index ^ 1
  const rank = Math.floor(index / stride)
  return (rank ^ 1) * stride + (index % stride)
}

/**
 * Whether `peer` takes part now: under VU executors only while the schedule has it active. The
 * schedule is the same in every worker, so both sides of a pair agree without talking.
 */
export function peerActive(ctx: Pick<ScenarioContext, 'plan' | 'clock' | 'startedAt'>, peer: number): boolean {
  if (ctx.plan.kind !== 'vus') return true
  return peer < ctx.plan.vusAt(ctx.clock.now() - ctx.startedAt)
}
