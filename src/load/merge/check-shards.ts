import {ImhError} from '../../protocol/errors.js'
import type {ResultsJson} from '../outputs/results-json.js'

/** A results file read for a merge: where it came from and what it holds. */
export interface ShardFile {
  file: string
  results: ResultsJson
}

/** Which shards of the run a merge holds. */
export interface ShardCoverage {
  count: number
  /** Shard indices the files hold, ascending. */
  present: number[]
  /** Shard indices of 0 … count-1 no file holds (a warning, not an error: the merge covers less). */
  missing: number[]
}

function mismatch(message: string, files: string[]): ImhError {
  return new ImhError('IMH_ERR_MERGE_MISMATCH', message, {files})
}

/** The shard indices a file holds: its own, a merge's `present`, or the whole run (shard 0 of 1) for a run without --shard. */
export function shardsOf(r: ResultsJson): {count: number; indices: number[]} {
  const s = r.meta.shard
  if (!s) return {count: 1, indices: [0]}
  return {count: s.count, indices: s.index !== undefined ? [s.index] : [...(s.present ?? [])]}
}

// What must be equal for two files to be parts of one run: the profile and its schedule. Workers,
// target, seed and the machine may differ from shard to shard.
function schedule(r: ResultsJson): string {
  const o = r.meta.overrides ?? {}
  return JSON.stringify({scenarios: r.meta.scenarios, clients: o.clients, durationMs: o.durationMs, rate: o.rate})
}

/**
 * Checks that `files` are distinct shards of one run and says which shards they cover. Throws
 * IMH_ERR_MERGE_MISMATCH naming the files: another profile or schedule, another shard count, or a
 * shard held by two files.
 */
export function checkShards(files: readonly ShardFile[]): ShardCoverage {
  const [first, ...rest] = files
  if (!first) throw mismatch('no files to merge', [])
  const count = shardsOf(first.results).count
  for (const f of rest) {
    if (f.results.meta.profile !== first.results.meta.profile) {
      throw mismatch(`${f.file} is a run of profile ${f.results.meta.profile}, ${first.file} of profile ${first.results.meta.profile}: not shards of one run`, [first.file, f.file])
    }
    if (schedule(f.results) !== schedule(first.results)) {
      throw mismatch(`${f.file} and ${first.file} ran profile ${first.results.meta.profile} with different scenarios, --clients, --duration or --rate: not shards of one run`, [first.file, f.file])
    }
    const c = shardsOf(f.results).count
    if (c !== count) throw mismatch(`${f.file} is a shard of ${c}, ${first.file} of ${count}: not shards of one run`, [first.file, f.file])
  }
  const holder = new Map<number, string>()
  for (const f of files) {
    for (const i of shardsOf(f.results).indices) {
      const other = holder.get(i)
      if (other !== undefined) {
        const what = count === 1 ? 'are both whole runs (no --shard), not shards of one run' : `both hold shard ${i}/${count}`
        throw mismatch(`${other} and ${f.file} ${what}`, [other, f.file])
      }
      holder.set(i, f.file)
    }
  }
  const present = [...holder.keys()].sort((a, b) => a - b)
  const missing = Array.from({length: count}, (_, i) => i).filter((i) => !holder.has(i))
  return {count, present, missing}
}
