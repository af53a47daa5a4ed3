import {ImhError} from '../../protocol/errors.js'
import {readResults} from '../compare/read-results.js'
import type {ShardFile} from './check-shards.js'

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Reads a results.json for `imh merge`: beyond what `imh compare` needs, the parts a merge adds up
 * (errors, saturation, rate, time series, the schedule). Throws IMH_ERR_RESULTS_INVALID naming the file.
 */
export async function readShard(file: string): Promise<ShardFile> {
  const results = await readResults(file)
  const r = results as unknown as Record<string, unknown> & {meta: Record<string, unknown>}
  const lacking = [
    !isObject(r.errors) && 'errors',
    !(isObject(r.saturation) && Array.isArray((r.saturation as {workers?: unknown}).workers)) && 'saturation',
    !(isObject(r.rate) && Array.isArray((r.rate as {scenarios?: unknown}).scenarios)) && 'rate',
    !Array.isArray(r.timeSeries) && 'timeSeries',
    !Array.isArray(r.meta.scenarios) && 'meta.scenarios',
    typeof r.meta.durationMs !== 'number' && 'meta.durationMs',
    r.joined !== undefined && !isObject(r.joined) && 'joined',
  ].filter((x): x is string => x !== false)
  if (lacking.length > 0) throw new ImhError('IMH_ERR_RESULTS_INVALID', `${file}: lacks ${lacking.join(', ')} (or has them in another form), which a merge adds up`, {file})
  for (const [name, m] of Object.entries(results.metrics)) {
    if (typeof (m as {histogram?: unknown})?.histogram !== 'string') throw new ImhError('IMH_ERR_RESULTS_INVALID', `${file}: metric ${name} has no encoded histogram`, {file})
  }
  return {file, results}
}
