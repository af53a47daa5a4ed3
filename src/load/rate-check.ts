import {planFor, type Shard} from './executors/index.js'
import {declaredBy} from './metrics/catalogue.js'
import {scenarioModule} from './scenarios/index.js'
import type {Profile, RateReport, TickSample} from './types.js'

/** Below this share of the requested rate a target counts as missed (the run or one of its seconds). */
export const RATE_TOLERANCE = 0.95

/** What the run was asked to do at a rate, and the counter that says how much it did. */
export interface RateTarget {
  /** The scenarios whose work the counter adds up (several when they share it). */
  scenarios: string[]
  counter: string
  unit: string
  /** Requested per second of the run by the schedule: `perSecond[k]` is second k + 1. */
  perSecond: number[]
  /**
   * Closed models: each client's rate (the highest, when scenarios share the target). A second
   * then asks for no more than its connected clients can send: a client still logging in has no
   * pace yet, and slow logins show in `connect`, `login` and the clients count, not here.
   */
  perClient?: number
}

const STEP_MS = 50

// The mean over [fromMs, toMs) of a piecewise rate, sampled finely enough for ramps of whole seconds.
function mean(f: (tMs: number) => number, fromMs: number, toMs: number): number {
  let sum = 0
  for (let t = fromMs; t < toMs; t += STEP_MS) sum += f(t + STEP_MS / 2)
  return sum / Math.ceil((toMs - fromMs) / STEP_MS)
}

function ratedCounter(kind: Profile['scenarios'][number]['scenario']): string | undefined {
  const rate = scenarioModule(kind).rate
  return rate.sets === undefined ? undefined : rate.counts
}

/**
 * The rate targets of a profile: every arrival-rate scenario (iterations started, together, as
 * they share the `iterations_started` counter), and every VU-executor scenario whose kind paces
 * its clients at a rate (`rate.counts`, e.g. chat's messages) when no unrated kind declares that
 * counter too. Kinds without a counter of their own are not judged. An offline shard of N
 * (`imh load --shard`) is asked for 1/N of every rate: it owns every N-th iteration and client.
 */
export function rateTargets(profile: Profile, shard?: Shard): RateTarget[] {
  const part = 1 / (shard?.count ?? 1)
  const seconds = Math.ceil(Math.max(0, ...profile.scenarios.map((s) => s.startTimeMs + planFor(s.spec).durationMs)) / 1000)
  const byCounter = new Map<string, RateTarget>()
  const add = (name: string, counter: string, unit: string, rateAt: (tMs: number) => number, startMs: number, perClient?: number): void => {
    let t = byCounter.get(counter)
    if (!t) byCounter.set(counter, (t = {scenarios: [], counter, unit, perSecond: Array.from({length: seconds}, () => 0)}))
    t.scenarios.push(name)
    if (perClient !== undefined) t.perClient = Math.max(t.perClient ?? 0, perClient)
    for (let k = 0; k < seconds; k++) t.perSecond[k]! += part * mean(rateAt, k * 1000 - startMs, (k + 1) * 1000 - startMs)
  }
  const rated = profile.scenarios.filter((s) => s.spec.executor.endsWith('arrival-rate') || ratedCounter(s.scenario) !== undefined)
  for (const s of rated) {
    const plan = planFor(s.spec)
    if (plan.kind === 'arrival') {
      add(s.name, 'iterations_started', 'iterations', plan.rateAt, s.startTimeMs)
      continue
    }
    const rate = scenarioModule(s.scenario).rate
    if (rate.sets === undefined || rate.counts === undefined) continue
    // Another kind counting the same thing would make the achieved figure wrong: judge nothing then.
    if (declaredBy(rate.counts).some((k) => !profile.scenarios.some((o) => o.scenario === k))) continue
    const value = Number((s.options as Record<string, unknown>)[rate.sets])
    const perClient = rate.as === 'rate' ? value : 1000 / value
    if (!(perClient > 0)) continue
    add(s.name, rate.counts, rate.unit, (t) => (t >= 0 && t < plan.durationMs ? plan.vusAt(t) * perClient : 0), s.startTimeMs, perClient)
  }
  return [...byCounter.values()]
}

/** What `t` asks for in `second` (1-based) given the clients connected then (see {@link RateTarget.perClient}). */
export function requestedIn(t: RateTarget, second: number, clients: number | undefined): number {
  const planned = t.perSecond[second - 1] ?? 0
  return t.perClient === undefined || clients === undefined ? planned : Math.min(planned, t.perClient * clients)
}

/** Whether `done` units lag `requested` ones by more than RATE_TOLERANCE and chance allow (see {@link judgeRates}). */
export function isBehind(requested: number, done: number): boolean {
  return done < requested * RATE_TOLERANCE - Math.max(2, 3 * Math.sqrt(requested))
}

/**
 * Judges each target against what was counted, second by second. A second is behind when the
 * work done so far is below RATE_TOLERANCE of the work requested so far by more than chance
 * explains (3 √requested: clients pace from a random phase, so counts scatter); the target is
 * missed when the whole run fell behind so (a short run at a low rate is not flagged for the
 * few messages its clients' random phases leave out; `rate_achieved` still shows the ratio). `rate_achieved` is the
 * least-served target's ratio.
 */
export function judgeRates(targets: RateTarget[], series: TickSample[], totals: Record<string, number>): RateReport {
  const scenarios = targets.map((t) => {
    const achieved = totals[t.counter] ?? 0
    const behindSeconds: number[] = []
    let requested = 0
    let got = 0
    t.perSecond.forEach((_, k) => {
      requested += requestedIn(t, k + 1, series[k]?.vus)
      got += series[k]?.counters[t.counter] ?? 0
      if (isBehind(requested, got)) behindSeconds.push(k + 1)
    })
    const seconds = Math.max(1, t.perSecond.length)
    const ratio = requested > 0 ? achieved / requested : 1
    return {
      scenarios: t.scenarios, counter: t.counter, unit: t.unit,
      scheduledPerS: t.perSecond.reduce((a, b) => a + b, 0) / seconds, requestedPerS: requested / seconds, achievedPerS: achieved / seconds, ratio,
      missed: isBehind(requested, achieved), behindSeconds,
    }
  })
  return {flagged: scenarios.some((s) => s.missed), tolerance: RATE_TOLERANCE, scenarios}
}

/** The value of the `rate_achieved` metric: undefined (no samples) when the profile asked for no rate. */
export function rateAchieved(report: RateReport): number | undefined {
  return report.scenarios.length === 0 ? undefined : Math.min(...report.scenarios.map((s) => s.ratio))
}
