import {describe, expect, it} from 'vitest'
import {parseProfile} from './profile/load-profile.js'
import {isBehind, judgeRates, rateAchieved, rateTargets, requestedIn} from './rate-check.js'
import type {TickSample} from './types.js'

const tick = (second: number, counters: Record<string, number>): TickSample =>
  ({second, elapsedMs: second * 1000, vus: 1, counters, metrics: {}, maxEventLoopLagMs: 0, saturated: false})

describe('rateTargets', () => {
  it('asks an arrival-rate scenario for its iterations, second by second', () => {
    const p = parseProfile('scenarios:\n  a: {scenario: ws-ping, executor: constant-arrival-rate, rate: 10, duration: 3s, preAllocatedVUs: 2}\n', 'a.yaml')
    const [t] = rateTargets(p)
    expect(t).toMatchObject({scenarios: ['a'], counter: 'iterations_started', unit: 'iterations'})
    expect(t!.perSecond.map((r) => Math.round(r))).toEqual([10, 10, 10])
  })

  it("asks a closed-model chat for clients × each client's rate, in its own unit", () => {
    const p = parseProfile('scenarios:\n  pairs: {scenario: chat, executor: constant-vus, vus: 20, duration: 2s, messageRate: 0.5}\n', 'c.yaml')
    const [t] = rateTargets(p)
    expect(t).toMatchObject({scenarios: ['pairs'], counter: 'sent', unit: 'messages'})
    expect(t!.perSecond.map((r) => Math.round(r))).toEqual([10, 10])
  })

  it('asks an offline shard of N for 1/N of every rate; the per-client pace stays', () => {
    const open = parseProfile('scenarios:\n  a: {scenario: ws-ping, executor: constant-arrival-rate, rate: 12, duration: 2s, preAllocatedVUs: 2}\n', 'a.yaml')
    expect(rateTargets(open, {index: 1, count: 3})[0]!.perSecond.map((r) => Math.round(r))).toEqual([4, 4])
    const closed = parseProfile('scenarios:\n  pairs: {scenario: chat, executor: constant-vus, vus: 20, duration: 2s, messageRate: 0.5}\n', 'c.yaml')
    expect(rateTargets(closed, {index: 0, count: 2})[0]).toMatchObject({perSecond: [5, 5], perClient: 0.5})
  })

  it('has no target for kinds without a rate counter of their own, nor for closed http', () => {
    const p = parseProfile('scenarios:\n  h: {scenario: http, executor: constant-vus, vus: 2, duration: 2s}\n', 'h.yaml')
    expect(rateTargets(p)).toEqual([])
  })
})

describe('judgeRates', () => {
  const target = {scenarios: ['pairs'], counter: 'sent', unit: 'messages', perSecond: [1000, 1000, 1000, 1000]}

  it('passes a run that kept up, with rate_achieved its ratio', () => {
    const r = judgeRates([target], [1, 2, 3, 4].map((s) => tick(s, {sent: 990})), {sent: 3960})
    expect(r.flagged).toBe(false)
    expect(r.scenarios[0]).toMatchObject({requestedPerS: 1000, achievedPerS: 990, missed: false, behindSeconds: []})
    expect(rateAchieved(r)).toBeCloseTo(0.99)
  })

  it('flags a run that fell behind, naming the seconds', () => {
    const r = judgeRates([target], [tick(1, {sent: 1000}), tick(2, {sent: 1000}), tick(3, {sent: 400}), tick(4, {sent: 400})], {sent: 2800})
    expect(r.flagged).toBe(true)
    expect(r.scenarios[0]).toMatchObject({ratio: 0.7, missed: true, behindSeconds: [3, 4]})
    expect(rateAchieved(r)).toBeCloseTo(0.7)
  })

  it('forgives what chance explains (clients pace from a random phase), not more', () => {
    expect(isBehind(1, 0)).toBe(false)
    expect(isBehind(1000, 870)).toBe(false)
    expect(isBehind(1000, 800)).toBe(true)
  })

  it('asks a closed model only for what its connected clients can send', () => {
    const closed = {...target, perClient: 10}
    expect(requestedIn(closed, 1, 40)).toBe(400)
    expect(requestedIn(closed, 1, 500)).toBe(1000)
    expect(requestedIn(target, 1, 40)).toBe(1000)
    // 40 clients in the first second, all 100 after: 4 × 1000 planned, 400 + 3 × 1000 asked for.
    const r = judgeRates([closed], [tick(1, {sent: 400}), ...[2, 3, 4].map((s) => ({...tick(s, {sent: 990}), vus: 100}))].map((t, i) => (i === 0 ? {...t, vus: 40} : t)), {sent: 3370})
    expect(r.scenarios[0]).toMatchObject({missed: false, behindSeconds: []})
    expect(r.scenarios[0]!.ratio).toBeCloseTo(3370 / 3400)
  })

  it('gives no rate_achieved when nothing asked for a rate (so its threshold fails for lack of samples)', () => {
    expect(rateAchieved(judgeRates([], [], {}))).toBeUndefined()
  })
})
