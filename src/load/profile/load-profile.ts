import {existsSync, readdirSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {availableParallelism} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {type Document, LineCounter, parseDocument} from 'yaml'
import {ImhError, isImhError} from '../../protocol/errors.js'
import type {Profile, RunOptions, ThresholdExpression, ThresholdSpec} from '../types.js'
import {durationField} from './duration.js'
import {MapReader, bool, check, didYouMean, integer, invalid, join as joinField, map, oneOf, show, text} from './fields.js'
import {BUILTIN_ADAPTER_NAMES, adapterSpec, isAdapterModule, isBuiltinAdapter} from '../adapters/builtin.js'
import {LINK_TRANSPORTS} from '../../client/link-transport.js'
import {parseScenario} from './parse-scenario.js'
import {checkAdapterFit} from '../scenarios/index.js'
import {parseRegressionLimit} from '../compare/regression-limit.js'
import {packageRoot} from '../../common/package-root.js'

/** Where the built-in profiles live: `profiles/` at the root of the imharness package. */
export const BUILTIN_PROFILES_DIR: string = join(packageRoot(), 'profiles')

const BUILTIN_NAME = /^[a-z0-9][a-z0-9-]*$/
const SCENARIO_NAME = /^[a-z][a-z0-9_-]*$/
const METRIC_NAME = /^[a-z][a-z0-9_]*$/
const MAX_WORKERS = 64

const anyDuration = durationField()
const positiveDuration = durationField({positive: true})

/** Names of the built-in profiles, sorted. */
export function listBuiltinProfiles(): string[] {
  try {
    return readdirSync(BUILTIN_PROFILES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort()
  } catch {
    return []
  }
}

/**
 * Loads a built-in profile by name (`chat`) or a profile file by path. A name wins over a file
 * of the same name in the working directory. Throws IMH_ERR_PROFILE_NOT_FOUND (listing the
 * built-ins) or IMH_ERR_PROFILE_INVALID.
 */
export async function loadProfile(nameOrPath: string): Promise<Profile> {
  const builtin = join(BUILTIN_PROFILES_DIR, `${nameOrPath}.yaml`)
  const file = BUILTIN_NAME.test(nameOrPath) && existsSync(builtin) ? builtin : nameOrPath
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (err) {
    throw notFound(nameOrPath, err as NodeJS.ErrnoException)
  }
  return parseProfile(source, file)
}

function notFound(nameOrPath: string, err: NodeJS.ErrnoException): ImhError {
  const names = listBuiltinProfiles()
  const builtins = `built-in profiles: ${names.join(', ') || '(none found)'}`
  let why: string
  if (err.code === 'ENOENT') {
    const hint = BUILTIN_NAME.test(nameOrPath) ? didYouMean(nameOrPath, names) : ''
    why = `no built-in profile and no file named "${nameOrPath}"${hint}`
  } else if (err.code === 'EISDIR') {
    why = `"${nameOrPath}" is a directory, not a profile file`
  } else {
    why = `cannot read "${nameOrPath}": ${err.message}`
  }
  return new ImhError('IMH_ERR_PROFILE_NOT_FOUND', `${why}; ${builtins}`, {profile: nameOrPath, builtins: names})
}

/** Parses and checks a profile's YAML; `file` names it in errors and becomes `Profile.file`. */
export function parseProfile(source: string, file: string): Profile {
  const lines = new LineCounter()
  const doc = parseDocument(source, {lineCounter: lines, merge: true, prettyErrors: false})
  const syntax = doc.errors[0]
  if (syntax) {
    const {line, col} = lines.linePos(syntax.pos[0])
    throw new ImhError('IMH_ERR_PROFILE_INVALID', `${file}: line ${line}, column ${col}: invalid YAML: ${syntax.message}`, {file, line, column: col})
  }
  let value: unknown
  try {
    value = doc.toJS()
  } catch (err) {
    throw new ImhError('IMH_ERR_PROFILE_INVALID', `${file}: invalid YAML: ${(err as Error).message}`, {file})
  }
  try {
    return toProfile(value, file)
  } catch (err) {
    throw withLine(err, doc, lines)
  }
}

function toProfile(value: unknown, file: string): Profile {
  if (value === null || value === undefined) throw invalid(file, '', 'the profile is empty; it needs at least a scenarios map')
  const r = new MapReader(file, '', value, 'a map with a scenarios field')
  r.unknown(['name', 'description', 'options', 'scenarios', 'thresholds', 'regressions'])
  const scenarios = r.required('scenarios', check('a map of scenario name: settings', (v) => typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined))
  const names = Object.keys(scenarios)
  if (names.length === 0) r.fail('scenarios', 'expected at least one scenario, e.g. {pairs: {scenario: chat, executor: constant-vus, vus: 10, duration: 30s}}')
  for (const name of names) {
    if (!SCENARIO_NAME.test(name)) throw invalid(file, joinField('scenarios', name), `scenario name ${JSON.stringify(name)} is not allowed; use lower-case letters, digits, _ and -, starting with a letter`)
  }
  const profile: Profile = {
    name: r.optional('name', text, basename(file).replace(/\.ya?ml$/i, '')).trim(),
    description: r.optional('description', check('a string', (v) => typeof v === 'string' ? v.trim() : undefined), ''),
    file,
    scenarios: names.map((name) => parseScenario(name, scenarios[name], file)),
    thresholds: r.has('thresholds') ? parseThresholds(r.map.thresholds, file) : [],
    regressions: r.has('regressions') ? parseRegressions(r.map.regressions, file) : [],
    options: parseRunOptions(r.has('options') ? r.map.options : {}, file),
  }
  checkAdapterFit(profile)
  return profile
}

function parseRunOptions(value: unknown, file: string): RunOptions {
  const r = new MapReader(file, 'options', value)
  r.unknown(['drain', 'workers', 'sourceAddresses', 'rampConcurrency', 'maxEventLoopLag', 'seed', 'transport', 'adapter', 'adapterOptions'])
  const auto = Math.min(MAX_WORKERS, availableParallelism())
  const workers = check(`'auto' or an integer from 0 to ${MAX_WORKERS}`, (v) => v === 'auto' ? auto : Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_WORKERS ? v as number : undefined)
  return {
    drainMs: r.optional('drain', anyDuration, 10_000),
    workers: r.optional('workers', workers, auto),
    sourceAddresses: r.optional('sourceAddresses', integer(0, 250), 16),
    rampConcurrency: r.optional('rampConcurrency', integer(1, 10_000), 20),
    maxEventLoopLagMs: r.optional('maxEventLoopLag', positiveDuration, 100),
    seed: r.optional('seed', integer(0, 2 ** 32 - 1), 1),
    ...(r.has('transport') ? {transport: r.optional('transport', oneOf(LINK_TRANSPORTS), 'ws')} : {}),
    ...(r.has('adapter') ? {adapter: adapterSpec(r.required('adapter', adapterName), dirname(file))} : {}),
    // Checked against the adapter's own declarations when the run loads it (adapter-options.ts).
    ...(r.has('adapterOptions') ? {adapterOptions: map(r.map.adapterOptions, r.field('adapterOptions'), file, "a map of the adapter's options")} : {}),
  }
}

const adapterName = check(`a built-in adapter (${BUILTIN_ADAPTER_NAMES.join(', ')}) or an adapter module's path such as ./my-adapter.js`, (v) =>
  typeof v === 'string' && (isBuiltinAdapter(v) || isAdapterModule(v)) ? v : undefined)

const THRESHOLD_LIST = "a list of threshold expressions like ['p(99)<200'] or [{threshold: 'p(99)<200', abortOnFail: true}]"

function parseThresholds(value: unknown, file: string): ThresholdSpec[] {
  const r = new MapReader(file, 'thresholds', value, 'a map of metric: [expressions]')
  return Object.entries(r.map).map(([metric, list]) => {
    const field = joinField('thresholds', metric)
    if (!METRIC_NAME.test(metric)) throw invalid(file, field, `metric name ${JSON.stringify(metric)} is not allowed; use lower-case letters, digits and _, starting with a letter, e.g. sync_latency`)
    if (!Array.isArray(list) || list.length === 0) throw invalid(file, field, `expected ${THRESHOLD_LIST}, got ${Array.isArray(list) ? 'an empty list' : show(list)}`)
    return {metric, expressions: list.map((item, i) => parseExpression(item, joinField(field, i), file))}
  })
}

const REGRESSION_LIST = "a list of allowances like ['p(99)=+10%'] (latencies) or ['+0'] (counters), as imh compare's --max-regression takes them after 'metric:'"

/** `regressions: {metric: [allowance…]}` → the limit sources imh compare reads (`metric:allowance`), each checked now. */
function parseRegressions(value: unknown, file: string): string[] {
  const r = new MapReader(file, 'regressions', value, 'a map of metric: [allowances]')
  return Object.entries(r.map).flatMap(([metric, list]) => {
    const field = joinField('regressions', metric)
    if (!Array.isArray(list) || list.length === 0) throw invalid(file, field, `expected ${REGRESSION_LIST}, got ${Array.isArray(list) ? 'an empty list' : show(list)}`)
    return list.map((item, i) => {
      const source = `${metric}:${text(item, joinField(field, i), file).trim()}`
      try {
        return parseRegressionLimit(source).source
      } catch (err) {
        throw invalid(file, joinField(field, i), (err as Error).message)
      }
    })
  })
}

function parseExpression(item: unknown, field: string, file: string): ThresholdExpression {
  if (typeof item === 'string') return {source: text(item, field, file).trim(), abortOnFail: false, delayAbortEvalMs: 0}
  const r = new MapReader(file, field, item, "an expression like 'p(99)<200' or a map {threshold, abortOnFail, delayAbortEval}")
  r.unknown(['threshold', 'abortOnFail', 'delayAbortEval'])
  return {
    source: r.required('threshold', text).trim(),
    abortOnFail: r.optional('abortOnFail', bool, false),
    delayAbortEvalMs: r.optional('delayAbortEval', anyDuration, 0),
  }
}

/** Adds the line of the offending field, found through the dotted path the error names. */
function withLine(err: unknown, doc: Document, lines: LineCounter): unknown {
  if (!isImhError(err, 'IMH_ERR_PROFILE_INVALID')) return err
  const field = err.details?.field
  if (typeof field !== 'string' || field === '') return err
  const path = field.split(/\.|(?=\[)/).map((s) => /^\[\d+\]$/.test(s) ? Number(s.slice(1, -1)) : s)
  for (let n = path.length; n > 0; n--) {
    const range = (doc.getIn(path.slice(0, n), true) as {range?: [number, number, number]} | undefined)?.range
    if (!range) continue
    const {line, col} = lines.linePos(range[0])
    return new ImhError(err.code, `${err.message} (line ${line})`, {...err.details, line, column: col})
  }
  return err
}

