// bench/lib/sync-gc-preload.mjs: the reference server's GC pauses on the wall clock, for bench:sync's
// ladder to line them up against a step's slow seconds. Loaded into `imh serve` with
// NODE_OPTIONS=--import=<this file> and IMH_SYNC_GC=FILE: each GC (PerformanceObserver's 'gc'
// entries: scavenge, mark-compact, incremental, weak callbacks) is a line {at, ms, kind}, `at` the
// pause's start in ms since the epoch (performance.timeOrigin + startTime: the clock the load's
// run start is given on). Lines are written once a second, not per GC.
import {appendFileSync} from 'node:fs'
import {PerformanceObserver, constants} from 'node:perf_hooks'

const file = process.env.IMH_SYNC_GC
if (file && process.argv.includes('serve')) {
  const names = {[constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb'}
  let lines = ''
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) lines += `${JSON.stringify({at: Math.round((performance.timeOrigin + e.startTime) * 10) / 10, ms: Math.round(e.duration * 100) / 100, kind: names[e.detail?.kind] ?? e.detail?.kind})}\n`
  }).observe({entryTypes: ['gc']})
  setInterval(() => {
    if (!lines) return
    try {
      appendFileSync(file, lines)
    } catch {
      // the bench reads what is there
    }
    lines = ''
  }, 1000).unref()
}
