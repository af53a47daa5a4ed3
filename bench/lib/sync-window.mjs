// bench/lib/sync-window.mjs: the exact sync_latency percentiles over a chosen set of a run's
// seconds, from the per-second histograms bench/lib/sync-hist-preload.mjs copied out of its workers.
// The histograms are merged (exact, like one histogram of every sample), never their percentiles.
import {readFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import * as hdr from 'hdr-histogram-js'

const LAYOUT = {lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false}

/** The environment that makes a load's workers copy their histograms to `dir`. */
export function histEnv(env, dir, preload) {
  return {...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${preload}`, IMH_SYNC_HIST: dir}
}

/** The run's start (the coordinator's startAtMs, ms since the epoch) its workers were given; undefined if unknown. */
export function runStart(dir) {
  try {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.jsonl')) continue
      const first = readFileSync(join(dir, name), 'utf8').split('\n', 1)[0]
      const start = JSON.parse(first).start
      if (start !== undefined) return start
    }
  } catch {
    // no figure
  }
  return undefined
}

/** Samples whose bucket lies wholly above `us` (3 significant digits: within 0.1% of it). */
function countAbove(h, us) {
  let n = 0
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i)
    if (c > 0 && h.valueFromIndex(i) > us) n += c
  }
  return n
}

/**
 * Merges the histograms of every worker file in `dir` whose second (the coordinator's rule:
 * ceil((atMs - startAtMs - 100) / 1000)) is in `seconds`; null when none was found (the preload
 * did not run). Values in ms; `over` is the fraction of samples above `boundMs`.
 */
export function windowLatency(dir, seconds, boundMs) {
  const want = new Set(seconds)
  const total = hdr.build(LAYOUT)
  let files = 0
  try {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.jsonl')) continue
      files++
      let start
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        if (!line) continue
        let o
        try {
          o = JSON.parse(line)
        } catch {
          continue // a line cut short when the worker was killed
        }
        if (o.start !== undefined) start = o.start
        else if (start !== undefined && !o.final && o.atMs !== null && want.has(Math.max(0, Math.ceil((o.atMs - start - 100) / 1000)))) {
          const h = hdr.decodeFromCompressedBase64(o.h, 32, false)
          total.add(h)
          h.destroy()
        }
      }
    }
  } catch {
    // no directory: no figure
  }
  if (files === 0) return null
  const count = total.totalCount
  const ms = (p) => Math.round(total.getValueAtPercentile(p)) / 1000
  const out = count === 0 ? {count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null, over: null} : {
    count,
    p50Ms: ms(50),
    p99Ms: ms(99),
    p999Ms: ms(99.9),
    maxMs: Math.round(total.maxValue) / 1000,
    over: Math.round((countAbove(total, boundMs * 1000) / count) * 1e5) / 1e5,
  }
  total.destroy()
  return out
}
