import {describe, expect, it} from 'vitest'
import {type SchedulerAnswer, emptyGroups} from '../protocol/index.js'
import {CaseContext, type Target} from './context.js'
import {FeatureGate} from './feature-gate.js'
import {Unimplemented} from './failures.js'
import type {ConformanceCase, FeatureProbe} from './types.js'

function target(extra: Partial<SchedulerAnswer> = {}, groups: Partial<SchedulerAnswer['groups']> = {}): Target {
  const answer: SchedulerAnswer = {ret: 0, ttl: 60, clientIp: '127.0.0.1', groups: {...emptyGroups(), long: ['ws://h/long'], short: ['http://h'], ...groups}, fallback: {}, ...extra}
  return {scheduler: 'http://h/dns', answer, answerError: undefined}
}

function kase(flow: string, id: string, probe?: FeatureProbe): ConformanceCase {
  return {id, flow, section: '11.2', level: 'MUST', requirement: 'r', run: async () => {}, ...(probe ? {probe} : {})}
}

function gate(t: Target, require?: string[]): FeatureGate {
  return new FeatureGate(t, {require, context: () => new CaseContext(t, 1, 20_000)})
}

describe('FeatureGate', () => {
  it('never holds back a core case, nor any case when the scheduler gave no usable answer', async () => {
    expect(await gate(target()).check(kase('core', 'sync.a'))).toEqual({run: true})
    expect(await gate({scheduler: 'x', answer: undefined, answerError: 'down'}).check(kase('talk', 'talk.a'))).toEqual({run: true})
  })

  it('a feature not announced is unimplemented, without probing; --require makes it a fail', async () => {
    let probes = 0
    const probe: FeatureProbe = async () => void probes++
    expect(await gate(target()).check(kase('bottle', 'bottle.a', probe))).toMatchObject({run: false, verdict: 'unimplemented', message: expect.stringMatching(/features are absent \(the core only\)/)})
    expect(await gate(target({features: ['talk']})).check(kase('bottle', 'bottle.a', probe))).toMatchObject({verdict: 'unimplemented', message: expect.stringMatching(/do not list "bottle"/)})
    expect(await gate(target(), ['bottle']).check(kase('bottle', 'bottle.a', probe))).toMatchObject({verdict: 'fail', message: expect.stringMatching(/^--require bottle: /)})
    expect(probes).toBe(0)
  })

  it('hints at announcing a feature whose group lists addresses', async () => {
    expect(await gate(target({}, {qr: ['http://h/qr']})).check(kase('qr', 'qr.a'))).toMatchObject({message: expect.stringMatching(/its qr group lists addresses, though: announce "qr"/)})
  })

  it('an announced feature whose group is empty fails as its level says, without probing', async () => {
    const d = await gate(target({features: ['talk']})).check(kase('talk', 'talk.a', async () => expect.unreachable()))
    expect(d).toMatchObject({run: false, failure: {message: expect.stringMatching(/announces "talk" in its features but lists no relay address/)}})
  })

  it('probes once per feature, however many cases ask at once; the probe\'s Unimplemented is the verdict', async () => {
    let probes = 0
    const probe: FeatureProbe = async () => {
      probes++
      await new Promise((r) => setTimeout(r, 10))
      throw new Unimplemented('the long link answered BOTTLE_THROW (cmd 220) with IMH_ERR_UNKNOWN_CMD')
    }
    const g = gate(target({features: ['bottle']}))
    const decisions = await Promise.all(['a', 'b', 'c'].map((n) => g.check(kase('bottle', `bottle.${n}`, probe))))
    expect(probes).toBe(1)
    for (const d of decisions) expect(d).toMatchObject({run: false, verdict: 'unimplemented', message: expect.stringMatching(/^the scheduler announces "bottle", but the long link answered BOTTLE_THROW/)})
    expect(await g.findings()).toEqual([{feature: 'bottle', announced: true, implemented: false, required: false, message: expect.stringMatching(/BOTTLE_THROW/)}])
  })

  it('runs the cases when the probe is answered, or gives no clear answer', async () => {
    const g = gate(target({features: ['bottle', 'shake']}))
    expect(await g.check(kase('bottle', 'bottle.a', async () => {}))).toEqual({run: true})
    expect(await g.check(kase('shake', 'shake.a', async () => {
      throw new Error('connect ECONNREFUSED')
    }))).toEqual({run: true})
    expect(await g.findings()).toEqual([
      {feature: 'shake', announced: true, implemented: true, required: false, message: 'probe inconclusive: connect ECONNREFUSED'},
      {feature: 'bottle', announced: true, implemented: true, required: false, message: ''},
    ])
  })
})
