import {type JunitCase, formatJunitXml} from '../../common/junit-xml.js'
import type {RunResult} from '../types.js'
import {rateText, saturationText} from './summary.js'

/**
 * `imh load --junit`: the run as JUnit XML, one suite named after the profile. One testcase per
 * threshold expression (failed: the value and why), one for the run itself (an error when it
 * failed or was aborted), and one each for the two things that make figures untrustworthy —
 * a saturated generator and a missed rate — failed when flagged, so a CI's test view shows them
 * even where the exit code (thresholds only) does not.
 */
export function formatLoadJunit(result: RunResult): string {
  const m = result.meta
  const cases: JunitCase[] = []
  const run: JunitCase = {classname: 'run', name: 'run completed', timeMs: m.durationMs}
  if (result.runError) run.error = {message: `${result.runError.code}: ${result.runError.message}`, body: result.runError.message}
  else if (result.aborted) run.error = {message: `aborted: ${result.aborted.reason}`, body: `aborted ${(result.aborted.atMs / 1000).toFixed(1)} s into the run: ${result.aborted.reason}`}
  cases.push(run)
  for (const t of result.thresholds) {
    const c: JunitCase = {classname: 'thresholds', name: `${t.metric} ${t.expression}`, timeMs: 0}
    const actual = t.actual === null ? 'no samples' : `actual ${t.actual}`
    if (!t.ok) c.failure = {message: `${t.metric} ${t.expression}: ${actual}${t.reason ? ` (${t.reason})` : ''}`, type: 'threshold', body: t.reason ?? actual}
    else c.systemOut = actual
    cases.push(c)
  }
  const s = result.saturation
  const saturation: JunitCase = {classname: 'generator', name: 'generator not saturated', timeMs: 0}
  if (s.flagged) saturation.failure = {message: `the load generator was saturated: ${saturationText(s, result.timeSeries)}`, type: 'saturation', body: JSON.stringify(s.workers)}
  cases.push(saturation)
  const missed = result.rate.scenarios.filter((r) => r.missed)
  const rate: JunitCase = {classname: 'generator', name: 'requested rate achieved', timeMs: 0}
  if (result.rate.flagged) rate.failure = {message: `the requested rate was not achieved: ${rateText(result.rate)}`, type: 'rate', body: JSON.stringify(missed)}
  if (result.rate.scenarios.length > 0) cases.push(rate)
  return formatJunitXml('imh load', m.durationMs, [{name: `imh load ${m.profile} ${m.target}`, timestamp: m.startedAt, timeMs: m.durationMs, cases}])
}
