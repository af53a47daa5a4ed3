import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {formatDuration} from '../profile/duration.js'
import {BUILTIN_PROFILES_DIR, listBuiltinProfiles, parseProfile} from '../profile/load-profile.js'
import {peakClients} from '../profile/apply-overrides.js'
import type {ExecutorSpec, Profile} from '../types.js'
import {code, table} from './markdown.js'

const per = (timeUnitMs: number) => (timeUnitMs === 1000 ? '/s' : ` per ${formatDuration(timeUnitMs)}`)
const total = (stages: Array<{durationMs: number}>) => formatDuration(stages.reduce((a, s) => a + s.durationMs, 0))
const vus = (min: number, max: number) => (min === max ? `${min} VUs` : `${min}–${max} VUs`)

/** An executor's schedule in a few words: "constant-vus, 10 VUs, 5s". */
export function scheduleText(spec: ExecutorSpec): string {
  switch (spec.executor) {
    case 'constant-vus':
      return `${spec.executor}, ${spec.vus} VUs, ${formatDuration(spec.durationMs)}`
    case 'ramping-vus':
      return `${spec.executor}, ${[spec.startVUs, ...spec.stages.map((s) => s.target)].join(' → ')} VUs over ${total(spec.stages)}`
    case 'constant-arrival-rate':
      return `${spec.executor}, ${spec.rate}${per(spec.timeUnitMs)} for ${formatDuration(spec.durationMs)}, ${vus(spec.preAllocatedVUs, spec.maxVUs)}`
    case 'ramping-arrival-rate':
      return `${spec.executor}, ${[spec.startRate, ...spec.stages.map((s) => s.target)].join(' → ')}${per(spec.timeUnitMs)} over ${total(spec.stages)}, ${vus(spec.preAllocatedVUs, spec.maxVUs)}`
  }
}

function scenariosText(p: Profile): string {
  if (p.scenarios.length === 1) return code(p.scenarios[0]!.scenario)
  return p.scenarios.map((s) => `${code(s.scenario)} ${peakClients(s.spec)}`).join(', ')
}

function loadText(p: Profile): string {
  const [first, ...rest] = p.scenarios
  const same = rest.every((s) => s.spec.executor === 'constant-vus' && first!.spec.executor === 'constant-vus' && s.spec.durationMs === first!.spec.durationMs && s.startTimeMs === 0)
  if (rest.length > 0 && same && first!.spec.executor === 'constant-vus') {
    return `constant-vus, ${p.scenarios.reduce((a, s) => a + peakClients(s.spec), 0)} VUs in all, ${formatDuration(first!.spec.durationMs)}`
  }
  return p.scenarios.map((s) => (p.scenarios.length > 1 ? `${s.name}: ` : '') + scheduleText(s.spec)).join('; ')
}

function thresholdsText(p: Profile): string {
  return p.thresholds.map((t) => `${code(t.metric)} ${t.expressions.map((e) => e.source).join(', ')}`).join('; ')
}

/** The built-in profiles, read from profiles/*.yaml: what runs, the schedule, the description, the thresholds. */
export function builtinProfilesTable(): string {
  const profiles = listBuiltinProfiles().map((name) => {
    const file = join(BUILTIN_PROFILES_DIR, `${name}.yaml`)
    return parseProfile(readFileSync(file, 'utf8'), file)
  })
  return table(['name', 'scenarios', 'schedule', 'what it does', 'thresholds'], profiles.map((p) => [
    code(p.name), scenariosText(p), loadText(p), p.description, thresholdsText(p),
  ]))
}
