import {ImhError} from '../../protocol/errors.js'
import {metricDefinition} from '../metrics/catalogue.js'
import {joinReports} from '../metrics/joined-counter.js'
import {MetricsAggregate} from '../metrics/registry.js'
import type {ShardFile} from './check-shards.js'

/** The merged totals, and what the merge could not make exact. */
export interface MergedMetrics {
  agg: MetricsAggregate
  /** Joined counters some file had no worker reports for: summed instead of joined (see docs/results-schema.md). */
  summedJoined: string[]
}

/**
 * Adds the files' encoded HDR histograms (the sum of two histograms is the histogram of both
 * sample sets, so every percentile of the merge is that of one histogram of all samples), sums
 * their counters and errors, and sets each joined counter (chat's `lost`) to the join of every
 * worker's report in every file, as one coordinator joins its workers'. Throws
 * IMH_ERR_RESULTS_INVALID naming the file whose histogram does not decode.
 */
export function mergeMetrics(files: readonly ShardFile[]): MergedMetrics {
  const agg = new MetricsAggregate()
  for (const {file, results} of files) {
    const histograms = Object.fromEntries(Object.entries(results.metrics).map(([name, m]) => [name, m.histogram]))
    try {
      agg.addDelta({histograms, counters: results.counters, errors: results.errors})
    } catch (err) {
      throw new ImhError('IMH_ERR_RESULTS_INVALID', `${file}: a histogram does not decode (${(err as Error).message})`, {file})
    }
  }
  const summedJoined: string[] = []
  const names = new Set(files.flatMap((f) => Object.keys(f.results.counters)))
  for (const name of names) {
    const join = metricDefinition(name)?.join
    if (!join) continue
    // A file of an older imh (no `joined`) that counted this counter: its total is all there is.
    if (files.some((f) => name in f.results.counters && !f.results.joined?.[name])) {
      summedJoined.push(name)
      continue
    }
    const reports = files.flatMap((f) => (f.results.joined?.[name] ?? []).map((r) => ({[name]: r})))
    agg.set(name, joinReports(name, join, reports))
  }
  return {agg, summedJoined}
}
