import {SCENARIO_KINDS, type ScenarioKind, scenarioModule} from '../scenarios/index.js'
import {COMMON_OPTIONS, option} from '../scenarios/scenario-module.js'
import {readOption, readOptions} from './option-spec.js'
import {EXECUTOR_KINDS, type ExecutorKind, type ExecutorSpec, type ScenarioSpec, type Stage} from '../types.js'
import {durationField} from './duration.js'
import {type Check, MapReader, integer, invalid, join, number, oneOf, show} from './fields.js'

const anyDuration = durationField()
const positiveDuration = durationField({positive: true})

/** When a scenario runs, for any kind and executor; declared like options so docs show them alike. */
export const SCHEDULE_FIELDS = {
  startTimeMs: option({field: 'startTime', check: anyDuration, default: 0, doc: 'delay from the start of the run'}),
  gracefulStopMs: option({field: 'gracefulStop', check: anyDuration, default: 5000, doc: 'at the end, how long running iterations may take to finish before they are cut off'}),
} as const

const COMMON_FIELDS = ['scenario', 'executor', ...Object.values(SCHEDULE_FIELDS).map((o) => o.field)]

// YAML names, so that errors can say which executor or scenario kind a misplaced field belongs to.
const EXECUTOR_FIELDS: Record<ExecutorKind, readonly string[]> = {
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
}

/** The option fields of a scenario kind, its own first, then those every kind takes. */
function optionFields(kind: ScenarioKind): string[] {
  return [...Object.values(scenarioModule(kind).options), ...Object.values(COMMON_OPTIONS)].map((o) => o.field)
}

const OPTION_FIELDS = new Map(SCENARIO_KINDS.map((k) => [k, optionFields(k)]))
const TAKEN = new Set([...COMMON_FIELDS, ...Object.values(EXECUTOR_FIELDS).flat()])
for (const [kind, fields] of OPTION_FIELDS) {
  const clash = fields.find((f) => TAKEN.has(f))
  if (clash) throw new Error(`scenario ${kind}: option field "${clash}" is already a scenario or executor field`)
}

/** Parses `scenarios.<name>` of a profile. */
export function parseScenario(name: string, value: unknown, file: string): ScenarioSpec {
  const r = new MapReader(file, join('scenarios', name), value, 'a map of scenario settings')
  const scenario = r.required('scenario', oneOf(SCENARIO_KINDS))
  const executor = r.required('executor', oneOf(EXECUTOR_KINDS))
  r.unknown([...COMMON_FIELDS, ...EXECUTOR_FIELDS[executor], ...OPTION_FIELDS.get(scenario)!], (key) => {
    const executors = EXECUTOR_KINDS.filter((k) => EXECUTOR_FIELDS[k].includes(key))
    if (executors.length) return `field "${key}" does not apply to executor ${executor} (only to ${executors.join(', ')})`
    const kinds = SCENARIO_KINDS.filter((k) => OPTION_FIELDS.get(k)!.includes(key))
    if (kinds.length) return `field "${key}" does not apply to scenario ${scenario} (only to ${kinds.join(', ')})`
    return undefined
  })
  const {gracefulStopMs, startTimeMs} = SCHEDULE_FIELDS
  return {
    name,
    scenario,
    spec: executorSpec(r, executor, readOption(r, gracefulStopMs)),
    startTimeMs: readOption(r, startTimeMs),
    options: scenarioOptions(r, scenario),
  } as ScenarioSpec
}

function executorSpec(r: MapReader, executor: ExecutorKind, gracefulStopMs: number): ExecutorSpec {
  const needs = ` by executor ${executor}`
  switch (executor) {
    case 'constant-vus':
      return {executor, vus: r.required('vus', integer(1), needs), durationMs: r.required('duration', positiveDuration, needs), gracefulStopMs}
    case 'ramping-vus': {
      const startVUs = r.optional('startVUs', integer(0), 0)
      const stages = r.required('stages', stageList(integer(0)), needs)
      if (Math.max(startVUs, ...stages.map((s) => s.target)) < 1) r.fail('stages', 'the VUs never rise above 0; give at least one stage a target >= 1')
      return {executor, startVUs, stages, gracefulRampDownMs: r.optional('gracefulRampDown', anyDuration, 5000), gracefulStopMs}
    }
    case 'constant-arrival-rate': {
      const rate = r.required('rate', number({above: 0}), needs)
      const timeUnitMs = r.optional('timeUnit', positiveDuration, 1000)
      const durationMs = r.required('duration', positiveDuration, needs)
      return {executor, rate, timeUnitMs, durationMs, ...vuPool(r, needs), gracefulStopMs}
    }
    case 'ramping-arrival-rate': {
      const startRate = r.optional('startRate', number({min: 0}), 0)
      const timeUnitMs = r.optional('timeUnit', positiveDuration, 1000)
      const stages = r.required('stages', stageList(number({min: 0})), needs)
      if (Math.max(startRate, ...stages.map((s) => s.target)) <= 0) r.fail('stages', 'the rate never rises above 0; give at least one stage a target > 0')
      return {executor, startRate, timeUnitMs, stages, ...vuPool(r, needs), gracefulStopMs}
    }
  }
}

function vuPool(r: MapReader, needs: string): {preAllocatedVUs: number; maxVUs: number} {
  const preAllocatedVUs = r.required('preAllocatedVUs', integer(1), needs)
  const maxVUs = r.optional('maxVUs', integer(1), preAllocatedVUs)
  if (maxVUs < preAllocatedVUs) r.fail('maxVUs', `expected an integer >= preAllocatedVUs (${preAllocatedVUs}), got ${maxVUs}`)
  return {preAllocatedVUs, maxVUs}
}

function stageList(target: Check<number>): Check<Stage[]> {
  const what = 'a non-empty list of stages like {duration: 10s, target: 100}'
  const fn = (value: unknown, field: string, file: string): Stage[] => {
    if (!Array.isArray(value) || value.length === 0) throw invalid(file, field, `expected ${what}, got ${Array.isArray(value) ? 'an empty list' : show(value)}`)
    const stages = value.map((item, i) => {
      const s = new MapReader(file, join(field, i), item, 'a stage like {duration: 10s, target: 100}')
      s.unknown(['duration', 'target'])
      return {durationMs: s.required('duration', anyDuration), target: s.required('target', target)}
    })
    if (stages.every((s) => s.durationMs === 0)) throw invalid(file, field, 'the stages last 0s in total; give at least one a duration > 0')
    return stages
  }
  return Object.assign(fn, {what})
}

/**
 * The options of a scenario kind as its module declares them: each field read and checked, its
 * default filled in (an option without a default stays absent). The common ones are checked
 * first and come last.
 */
function scenarioOptions(r: MapReader, kind: ScenarioKind): ScenarioSpec['options'] {
  const common = readOptions(r, COMMON_OPTIONS)
  return {...readOptions(r, scenarioModule(kind).options), ...common} as ScenarioSpec['options']
}

