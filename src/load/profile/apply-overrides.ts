import {ImhError} from '../../protocol/errors.js'
import {LINK_TRANSPORTS, isLinkTransport} from '../../client/link-transport.js'
import {SCENARIO_KINDS, checkAdapterFit, needsScheduler, scenarioModule} from '../scenarios/index.js'
import {BUILTIN_ADAPTER_NAMES, isAdapterModule, isBuiltinAdapter} from '../adapters/builtin.js'
import {didYouMean} from './fields.js'
import type {ExecutorSpec, Profile, ProfileOverrides, ScenarioSpec, Stage, ThresholdSpec} from '../types.js'

const METRIC_NAME = /^[a-z][a-z0-9_]*$/
const MAX_WORKERS = 64

/**
 * Returns a copy of `profile` with the `imh load` flags applied (docs/profiles.md, "Overrides"):
 * `clients`, then `durationMs`, then `rate` (so a rate spreads over the new client counts), then
 * `workers`, `thresholds`, `transport` and `adapter`. Throws IMH_ERR_INVALID_OPTION or IMH_ERR_THRESHOLD_INVALID.
 */
export function applyOverrides(profile: Profile, o: ProfileOverrides): Profile {
  checkOverrides(profile, o)
  const p = structuredClone(profile)
  if (o.clients !== undefined) {
    const shares = split(o.clients, p.scenarios.map((s) => peakClients(s.spec)), true)
    p.scenarios.forEach((s, i) => setClients(s.spec, shares[i]!))
  }
  if (o.durationMs !== undefined) for (const s of p.scenarios) setDuration(s.spec, Math.round(o.durationMs))
  if (o.rate !== undefined) {
    const rated = p.scenarios.filter(takesRate)
    if (rated.length === 0) {
      const rated = SCENARIO_KINDS.filter((k) => scenarioModule(k).rate.sets !== undefined)
      throw new ImhError('IMH_ERR_INVALID_OPTION', `--rate does not apply to profile "${p.name}": its scenarios run under VU executors and are of none of the kinds whose rate it sets there (${rated.join(', ')})`)
    }
    const shares = split(o.rate, rated.map((s) => peakClients(s.spec)), false)
    rated.forEach((s, i) => setRate(s, shares[i]!))
  }
  if (o.workers !== undefined) p.options.workers = o.workers
  if (o.transport !== undefined) p.options.transport = o.transport
  if (o.adapter !== undefined) p.options.adapter = o.adapter
  checkAdapterFit(p)
  for (const t of o.thresholds ?? []) addThreshold(p.thresholds, t)
  return p
}

/** Clients a scenario has at its peak: its VUs, or for arrival-rate executors its pre-allocated VUs. */
export function peakClients(spec: ExecutorSpec): number {
  switch (spec.executor) {
    case 'constant-vus': return spec.vus
    case 'ramping-vus': return Math.max(spec.startVUs, ...spec.stages.map((s) => s.target))
    default: return spec.preAllocatedVUs
  }
}

function checkOverrides(profile: Profile, o: ProfileOverrides): void {
  const bad = (msg: string) => new ImhError('IMH_ERR_INVALID_OPTION', msg)
  if (o.clients !== undefined) {
    if (!Number.isSafeInteger(o.clients) || o.clients < 1) throw bad(`--clients must be an integer >= 1, got ${o.clients}`)
    const n = profile.scenarios.length
    if (o.clients < n) throw bad(`--clients must be at least ${n}: profile "${profile.name}" has ${n} scenarios and each needs a client, got ${o.clients}`)
  }
  if (o.durationMs !== undefined && !(Number.isFinite(o.durationMs) && o.durationMs >= 1)) throw bad(`--duration must be a duration > 0 like '30s', got ${o.durationMs} ms`)
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0)) throw bad(`--rate must be a number > 0 (per second), got ${o.rate}`)
  if (o.transport !== undefined) {
    if (!isLinkTransport(o.transport)) throw bad(`--transport must be one of ${LINK_TRANSPORTS.join(', ')}, got ${String(o.transport)}`)
    if (!profile.scenarios.some((s) => needsScheduler(s.scenario))) {
      throw bad(`--transport does not apply to profile "${profile.name}": none of its scenarios keeps a long link (${profile.scenarios.map((s) => s.scenario).join(', ')}); ws-ping measures WebSocket pings, http plain HTTP`)
    }
  }
  if (o.adapter !== undefined && !isBuiltinAdapter(o.adapter) && !isAdapterModule(o.adapter)) {
    throw new ImhError('IMH_ERR_ADAPTER_NOT_FOUND', `--adapter: no built-in adapter "${o.adapter}"; built-in: ${BUILTIN_ADAPTER_NAMES.join(', ')}${didYouMean(o.adapter, BUILTIN_ADAPTER_NAMES)}, or a module file such as ./my-adapter.js`)
  }
  if (o.workers !== undefined && !(Number.isSafeInteger(o.workers) && o.workers >= 0 && o.workers <= MAX_WORKERS)) {
    throw bad(`--workers must be an integer from 0 to ${MAX_WORKERS} (0 = in this process), got ${o.workers}`)
  }
}

/**
 * Splits `total` over `weights` proportionally. With `whole`, shares are integers of at least 1
 * summing to `total` exactly (largest remainder; the caller makes sure total >= weights.length).
 */
function split(total: number, weights: number[], whole: boolean): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const quotas = weights.map((w) => total * w / sum)
  if (!whole) return quotas
  const shares = quotas.map((q) => Math.max(1, Math.floor(q)))
  const byRemainder = quotas.map((_, i) => i).sort((a, b) => (quotas[b]! % 1) - (quotas[a]! % 1) || a - b)
  let left = total - shares.reduce((a, b) => a + b, 0)
  for (let k = 0; left > 0; k++, left--) shares[byRemainder[k % shares.length]!]!++
  // Raising shares to 1 may overshoot: take back from whoever got the most beyond its quota.
  while (left < 0) {
    let worst = -1
    shares.forEach((s, i) => {
      if (s > 1 && (worst < 0 || s - quotas[i]! > shares[worst]! - quotas[worst]!)) worst = i
    })
    shares[worst]!--
    left++
  }
  return shares
}

function setClients(spec: ExecutorSpec, clients: number): void {
  const peak = peakClients(spec)
  // Multiply before dividing so that the peak itself maps to exactly `clients`.
  const scale = (n: number) => Math.round(n * clients / peak)
  switch (spec.executor) {
    case 'constant-vus':
      spec.vus = clients
      break
    case 'ramping-vus':
      spec.startVUs = scale(spec.startVUs)
      for (const s of spec.stages) s.target = scale(s.target)
      break
    default:
      spec.maxVUs = Math.max(scale(spec.maxVUs), clients)
      spec.preAllocatedVUs = clients
  }
}

function setDuration(spec: ExecutorSpec, durationMs: number): void {
  if (spec.executor === 'constant-vus' || spec.executor === 'constant-arrival-rate') {
    spec.durationMs = durationMs
    return
  }
  const total = spec.stages.reduce((a, s) => a + s.durationMs, 0)
  for (const s of spec.stages) s.durationMs = Math.round(s.durationMs * durationMs / total)
  // Rounding may leave the sum a few ms off: the longest stage absorbs it.
  const longest = spec.stages.reduce((a, s) => s.durationMs > a.durationMs ? s : a)
  longest.durationMs += durationMs - spec.stages.reduce((a, s) => a + s.durationMs, 0)
}

function takesRate(s: ScenarioSpec): boolean {
  if (s.spec.executor === 'constant-arrival-rate' || s.spec.executor === 'ramping-arrival-rate') return true
  return scenarioModule(s.scenario).rate.sets !== undefined
}

/** `perSecond`: iterations, messages or heartbeats per second over the whole scenario. */
function setRate(s: ScenarioSpec, perSecond: number): void {
  const spec = s.spec
  switch (spec.executor) {
    case 'constant-arrival-rate':
      spec.rate = perSecond
      spec.timeUnitMs = 1000
      return
    case 'ramping-arrival-rate': {
      const peak = Math.max(spec.startRate, ...spec.stages.map((st) => st.target))
      const peakValue = perSecond * spec.timeUnitMs / 1000
      const scale = (r: number) => r === peak ? peakValue : r * peakValue / peak
      spec.startRate = scale(spec.startRate)
      spec.stages = spec.stages.map((st): Stage => ({...st, target: scale(st.target)}))
      return
    }
    default: {
      // Under a VU executor the scenario's module says which option the rate sets (scenario-module.ts, RateSpec).
      const rate = scenarioModule(s.scenario).rate
      if (rate.sets === undefined) return
      const vus = peakClients(spec)
      const options = s.options as Record<string, unknown>
      options[rate.sets] = rate.as === 'rate' ? perSecond / vus : Math.max(1, Math.round(1000 * vus / perSecond))
    }
  }
}

/** Adds one `--threshold metric:expression` to `thresholds`; throws IMH_ERR_THRESHOLD_INVALID when it is not of that form. */
export function addThreshold(thresholds: ThresholdSpec[], flag: string): void {
  const at = flag.indexOf(':')
  const metric = at < 0 ? '' : flag.slice(0, at).trim()
  const source = at < 0 ? '' : flag.slice(at + 1).trim()
  if (!METRIC_NAME.test(metric) || source === '') {
    throw new ImhError('IMH_ERR_THRESHOLD_INVALID', `--threshold "${flag}": expected metric:expression, e.g. sync_latency:p(99)<50`)
  }
  const expression = {source, abortOnFail: false, delayAbortEvalMs: 0}
  const existing = thresholds.find((t) => t.metric === metric)
  if (existing) existing.expressions.push(expression)
  else thresholds.push({metric, expressions: [expression]})
}
