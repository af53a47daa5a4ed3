import {thrown} from '../../../test/support/thrown.js'
import {describe, expect, it} from 'vitest'
import {ImhError} from '../../protocol/errors.js'
import type {ExecutorSpec, Profile, ProfileOverrides, ScenarioSpec} from '../types.js'
import {applyOverrides, peakClients} from './apply-overrides.js'
import {parseProfile} from './load-profile.js'

/** A profile from scenario bodies in flow YAML, keyed by scenario name. */
function profile(scenarios: Record<string, string>, extra = ''): Profile {
  const body = Object.entries(scenarios).map(([name, s]) => `  ${name}: {${s}}`).join('\n')
  return parseProfile(`name: t\nscenarios:\n${body}\n${extra}`, 't.yaml')
}

const CHAT_200 = 'scenario: chat, executor: constant-vus, vus: 200, duration: 30s'
const HB_RAMP = 'scenario: heartbeat, executor: ramping-vus, startVUs: 10, stages: [{duration: 10s, target: 100}, {duration: 20s, target: 50}, {duration: 5s, target: 0}]'
const STORM = 'scenario: login-storm, executor: constant-arrival-rate, rate: 600, timeUnit: 1m, duration: 20s, preAllocatedVUs: 50, maxVUs: 200'
const RAMP_RATE = 'scenario: http, executor: ramping-arrival-rate, startRate: 60, timeUnit: 1m, stages: [{duration: 10s, target: 600}, {duration: 10s, target: 300}], preAllocatedVUs: 20'

const spec = (p: Profile, i = 0): ExecutorSpec => p.scenarios[i]!.spec
const scenario = (p: Profile, i = 0): ScenarioSpec => p.scenarios[i]!
const options = (p: Profile, i = 0): Record<string, unknown> => p.scenarios[i]!.options

const errorOf = (fn: () => unknown): ImhError => thrown(fn) as ImhError

describe('applyOverrides: clients', () => {
  it.each([
    ['constant-vus sets vus', CHAT_200, 50, {vus: 50}],
    ['ramping-vus scales start and targets so the peak is exact', HB_RAMP, 300, {startVUs: 30, stages: [{durationMs: 10_000, target: 300}, {durationMs: 20_000, target: 150}, {durationMs: 5000, target: 0}]}],
    ['ramping-vus rounds', 'scenario: chat, executor: ramping-vus, stages: [{duration: 1s, target: 1}, {duration: 1s, target: 3}, {duration: 1s, target: 2}]', 7,
      {startVUs: 0, stages: [{durationMs: 1000, target: 2}, {durationMs: 1000, target: 7}, {durationMs: 1000, target: 5}]}],
    ['arrival-rate sets preAllocatedVUs and scales maxVUs', STORM, 10, {preAllocatedVUs: 10, maxVUs: 40}],
    ['arrival-rate keeps maxVUs >= clients', 'scenario: http, executor: constant-arrival-rate, rate: 1, duration: 1s, preAllocatedVUs: 3, maxVUs: 4', 1, {preAllocatedVUs: 1, maxVUs: 1}],
    ['ramping-arrival-rate too', RAMP_RATE, 100, {preAllocatedVUs: 100, maxVUs: 100}],
  ])('%s', (_title, s, clients, expected) => {
    const p = applyOverrides(profile({a: s}), {clients})
    expect(spec(p)).toMatchObject(expected)
    expect(peakClients(spec(p))).toBe(clients)
  })

  it.each([
    ['proportional to peaks', [10, 30, 60], 7, [1, 2, 4]],
    ['largest remainder breaks ties by order', [1, 1, 1], 5, [2, 2, 1]],
    ['every scenario keeps at least one client', [1, 1, 98], 4, [1, 1, 2]],
    ['a tiny scenario still gets one', [1, 99], 2, [1, 1]],
    ['exact multiples', [100, 300], 2000, [500, 1500]],
  ])('splits over several scenarios: %s', (_title, peaks, clients, shares) => {
    const p = profile(Object.fromEntries(peaks.map((vus, i) => [`s${i}`, `scenario: chat, executor: constant-vus, vus: ${vus}, duration: 1s`])))
    const out = applyOverrides(p, {clients})
    expect(out.scenarios.map((s) => peakClients(s.spec))).toEqual(shares)
  })

  it('weighs ramping and arrival-rate scenarios by their peaks', () => {
    const out = applyOverrides(profile({a: CHAT_200, b: HB_RAMP, c: STORM}), {clients: 35})
    expect(out.scenarios.map((s) => peakClients(s.spec))).toEqual([20, 10, 5])
  })
})

describe('applyOverrides: durationMs', () => {
  it.each([
    ['constant-vus', CHAT_200, 60_000, {durationMs: 60_000}],
    ['constant-arrival-rate', STORM, 5000, {durationMs: 5000}],
    ['ramping-vus scales the stages', HB_RAMP, 70_000, {stages: [{durationMs: 20_000, target: 100}, {durationMs: 40_000, target: 50}, {durationMs: 10_000, target: 0}]}],
    ['rounding goes to the longest stage', 'scenario: chat, executor: ramping-vus, stages: [{duration: 1s, target: 1}, {duration: 1s, target: 1}, {duration: 1s, target: 0}]', 1000,
      {stages: [{durationMs: 334, target: 1}, {durationMs: 333, target: 1}, {durationMs: 333, target: 0}]}],
    ['ramping-arrival-rate', RAMP_RATE, 5000, {stages: [{durationMs: 2500, target: 600}, {durationMs: 2500, target: 300}]}],
  ])('%s', (_title, s, durationMs, expected) => {
    expect(spec(applyOverrides(profile({a: s}), {durationMs}))).toMatchObject(expected)
  })

  it('keeps the stages summing to the duration', () => {
    const p = applyOverrides(profile({a: HB_RAMP}), {durationMs: 10_001})
    const s = spec(p)
    expect(s.executor === 'ramping-vus' && s.stages.reduce((a, st) => a + st.durationMs, 0)).toBe(10_001)
  })
})

describe('applyOverrides: rate', () => {
  it.each([
    ['constant-arrival-rate becomes per second', STORM, 100, {spec: {rate: 100, timeUnitMs: 1000}}],
    ['ramping-arrival-rate scales so the peak per second matches', RAMP_RATE, 20, {spec: {startRate: 120, timeUnitMs: 60_000, stages: [{durationMs: 10_000, target: 1200}, {durationMs: 10_000, target: 600}]}}],
    ['chat under constant-vus sets messageRate', CHAT_200, 40, {options: {messageRate: 0.2}}],
    ['chat under ramping-vus divides by the peak', 'scenario: chat, executor: ramping-vus, stages: [{duration: 1s, target: 100}]', 50, {options: {messageRate: 0.5}}],
    ['heartbeat sets the interval', 'scenario: heartbeat, executor: constant-vus, vus: 1000, duration: 1s', 200, {options: {heartbeatIntervalMs: 5000}}],
    ['ws-ping sets the interval', 'scenario: ws-ping, executor: constant-vus, vus: 50, duration: 1s', 50, {options: {heartbeatIntervalMs: 1000}}],
    ['qr-login sets loginRate', 'scenario: qr-login, executor: constant-vus, vus: 40, duration: 1s', 2, {options: {loginRate: 0.05}}],
    ['login-storm under arrival-rate sets the arrival rate', STORM, 5, {spec: {rate: 5, timeUnitMs: 1000}}],
  ])('%s', (_title, s, rate, expected) => {
    expect(scenario(applyOverrides(profile({a: s}), {rate}))).toMatchObject(expected)
  })

  it('splits over several scenarios by their peak clients', () => {
    const p = profile({chat: 'scenario: chat, executor: constant-vus, vus: 100, duration: 1s', hb: 'scenario: heartbeat, executor: constant-vus, vus: 300, duration: 1s'})
    const out = applyOverrides(p, {rate: 100})
    expect(options(out, 0).messageRate).toBe(0.25)
    expect(options(out, 1).heartbeatIntervalMs).toBe(4000)
  })

  it('leaves scenarios a rate does not apply to alone', () => {
    const p = profile({web: 'scenario: http, executor: constant-vus, vus: 100, duration: 1s', chat: 'scenario: chat, executor: constant-vus, vus: 10, duration: 1s'})
    const out = applyOverrides(p, {rate: 5})
    expect(scenario(out, 0)).toEqual(scenario(p, 0))
    expect(options(out, 1).messageRate).toBe(0.5)
  })

  it('applies after clients', () => {
    expect(options(applyOverrides(profile({a: CHAT_200}), {clients: 100, rate: 50})).messageRate).toBe(0.5)
  })

  it('refuses a profile no scenario of which takes a rate', () => {
    const err = errorOf(() => applyOverrides(profile({web: 'scenario: http, executor: constant-vus, vus: 1, duration: 1s'}), {rate: 5}))
    expect(err.code).toBe('IMH_ERR_INVALID_OPTION')
    expect(err.message).toContain('--rate does not apply to profile "t"')
  })
})

describe('applyOverrides: workers and thresholds', () => {
  it('sets workers', () => {
    expect(applyOverrides(profile({a: CHAT_200}), {workers: 0}).options.workers).toBe(0)
  })

  it('sets the transport, and refuses it for a profile without a long link', () => {
    expect(applyOverrides(profile({a: CHAT_200}), {transport: 'tcp'}).options.transport).toBe('tcp')
    const err = errorOf(() => applyOverrides(profile({web: 'scenario: http, executor: constant-vus, vus: 1, duration: 1s'}), {transport: 'tcp'}))
    expect(err.code).toBe('IMH_ERR_INVALID_OPTION')
    expect(err.message).toContain('--transport does not apply to profile "t"')
  })

  it('appends thresholds to their metric, or adds the metric', () => {
    const p = profile({a: CHAT_200}, "thresholds:\n  sync_latency: ['p(99)<500']\n")
    const out = applyOverrides(p, {thresholds: ['sync_latency:p(99)<50', ' errors : count==0 ', 'm:a:b']})
    expect(out.thresholds).toEqual([
      {metric: 'sync_latency', expressions: [{source: 'p(99)<500', abortOnFail: false, delayAbortEvalMs: 0}, {source: 'p(99)<50', abortOnFail: false, delayAbortEvalMs: 0}]},
      {metric: 'errors', expressions: [{source: 'count==0', abortOnFail: false, delayAbortEvalMs: 0}]},
      {metric: 'm', expressions: [{source: 'a:b', abortOnFail: false, delayAbortEvalMs: 0}]},
    ])
  })

  it.each(['sync_latency', ':p(99)<1', 'Sync:p(99)<1', 'sync_latency:', 'sync-latency:p(99)<1'])('refuses --threshold %j', (flag) => {
    const err = errorOf(() => applyOverrides(profile({a: CHAT_200}), {thresholds: [flag]}))
    expect(err.code).toBe('IMH_ERR_THRESHOLD_INVALID')
    expect(err.message).toBe(`--threshold "${flag}": expected metric:expression, e.g. sync_latency:p(99)<50`)
  })
})

describe('applyOverrides: checks and purity', () => {
  it.each<[ProfileOverrides, string]>([
    [{clients: 0}, '--clients must be an integer >= 1'],
    [{clients: 1.5}, '--clients must be an integer >= 1'],
    [{durationMs: 0}, '--duration must be a duration > 0'],
    [{durationMs: Number.NaN}, '--duration must be a duration > 0'],
    [{rate: 0}, '--rate must be a number > 0'],
    [{rate: -1}, '--rate must be a number > 0'],
    [{workers: -1}, '--workers must be an integer from 0 to 64'],
    [{workers: 65}, '--workers must be an integer from 0 to 64'],
  ])('refuses %j', (o, text) => {
    const err = errorOf(() => applyOverrides(profile({a: CHAT_200}), o))
    expect(err.code).toBe('IMH_ERR_INVALID_OPTION')
    expect(err.message).toContain(text)
  })

  it('refuses fewer clients than scenarios', () => {
    const err = errorOf(() => applyOverrides(profile({a: CHAT_200, b: HB_RAMP, c: STORM}), {clients: 2}))
    expect(err.code).toBe('IMH_ERR_INVALID_OPTION')
    expect(err.message).toContain('--clients must be at least 3')
  })

  it('leaves the given profile untouched', () => {
    const p = profile({a: CHAT_200, b: HB_RAMP, c: RAMP_RATE}, "thresholds:\n  errors: ['count==0']\n")
    const before = structuredClone(p)
    const out = applyOverrides(p, {clients: 10, durationMs: 1000, rate: 3, workers: 1, thresholds: ['errors:count<1']})
    expect(p).toEqual(before)
    expect(out).not.toEqual(before)
  })

  it('returns an equal copy without overrides', () => {
    const p = profile({a: CHAT_200})
    const out = applyOverrides(p, {})
    expect(out).toEqual(p)
    expect(out).not.toBe(p)
  })
})
