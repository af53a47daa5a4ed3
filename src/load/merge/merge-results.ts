import {evaluateThresholds, validateThresholds} from '../metrics/thresholds.js'
import {rateAchieved} from '../rate-check.js'
import type {RunResult, SaturationReport} from '../types.js'
import {type ShardCoverage, type ShardFile, checkShards} from './check-shards.js'
import {mergeMetrics} from './merge-metrics.js'
import {mergeRates} from './merge-rates.js'
import {mergeSeries} from './merge-series.js'
import {mergeThresholds} from './merge-thresholds.js'

/** A merge of shards: the run it adds up to, which shards it holds, and what to warn about. */
export interface Merged {
  result: RunResult
  coverage: ShardCoverage
  /** One sentence each: missing shards, joined counters that could only be summed. */
  warnings: string[]
}

function saturation(files: readonly ShardFile[]): SaturationReport {
  const all = files.map((f) => f.results.saturation)
  // Workers are numbered through the files in the order given: worker k of the second file after the first file's.
  let next = 0
  const workers = all.flatMap((s) => s.workers.map((w) => ({...w, worker: next++})))
  return {
    flagged: all.some((s) => s.flagged), boundMs: Math.max(...all.map((s) => s.boundMs)),
    maxEventLoopLagMs: Math.max(0, ...all.map((s) => s.maxEventLoopLagMs)), judgedSeconds: Math.max(...all.map((s) => s.judgedSeconds)), workers,
  }
}

/**
 * Merges results files of the shards of one run (`imh load --shard i/N`) into the results of the
 * run they add up to, and judges the thresholds of the files' runs plus `extraThresholds` on it.
 * The run took as long as its longest shard (they run side by side), so `rate` aggregations divide
 * by that. A shard's abort or run error becomes the merge's, naming the file. Throws
 * IMH_ERR_MERGE_MISMATCH, IMH_ERR_RESULTS_INVALID or IMH_ERR_THRESHOLD_INVALID.
 */
export function mergeResults(files: readonly ShardFile[], extraThresholds: readonly string[] = []): Merged {
  const coverage = checkShards(files)
  const docs = files.map((f) => f.results)
  const thresholds = mergeThresholds(docs, extraThresholds)
  validateThresholds(thresholds)
  const {agg, summedJoined} = mergeMetrics(files)
  const durationMs = Math.max(...docs.map((d) => d.meta.durationMs))
  const sat = saturation(files)
  const rate = mergeRates(docs.map((d) => d.rate), sat.judgedSeconds)
  const achieved = rateAchieved(rate)
  const joined: Record<string, unknown[]> = {}
  for (const d of docs) for (const [name, reports] of Object.entries(d.joined ?? {})) (joined[name] ??= []).push(...reports)
  const aborted = files.find((f) => f.results.aborted)
  const failed = files.find((f) => f.results.runError)
  const first = docs[0]!
  const startedAt = docs.map((d) => d.meta.startedAt).sort()[0]!
  const targets = [...new Set(docs.map((d) => d.meta.target))]
  const result: RunResult = {
    meta: {
      ...first.meta, target: targets.join(', '), startedAt, durationMs, thresholds,
      workers: docs.reduce((n, d) => n + Math.max(1, d.meta.workers), 0),
      shard: {count: coverage.count, present: coverage.present},
    },
    metrics: agg.summaries(),
    counters: agg.counters(),
    errors: agg.errors(),
    thresholds: evaluateThresholds(thresholds, agg, durationMs, {final: true, ratios: achieved === undefined ? {} : {rate_achieved: achieved}}),
    saturation: sat,
    rate,
    timeSeries: mergeSeries(docs.map((d) => d.timeSeries)),
    ...(aborted ? {aborted: {reason: `${aborted.file}: ${aborted.results.aborted!.reason}`, atMs: aborted.results.aborted!.atMs}} : {}),
    ...(failed ? {runError: {code: failed.results.runError!.code, message: `${failed.file}: ${failed.results.runError!.message}`}} : {}),
    ...(Object.keys(joined).length > 0 ? {joined} : {}),
  }
  const warnings: string[] = []
  if (coverage.missing.length > 0) {
    warnings.push(`shard${coverage.missing.length > 1 ? 's' : ''} ${coverage.missing.join(', ')} of ${coverage.count} missing: the merge holds only shard${coverage.present.length > 1 ? 's' : ''} ${coverage.present.join(', ')} (meta.shard.present)`)
  }
  for (const name of summedJoined) warnings.push(`${name} is the sum of the files' totals, not joined: a file holds no worker reports of it (written by an older imh); a message acknowledged in one shard and delivered in another counts as lost`)
  return {result, coverage, warnings}
}
