import {describe, expect, expectTypeOf, it} from 'vitest'
import {counter, trend} from '../metrics/metric-definition.js'
import {integer, urlOf} from '../profile/fields.js'
import {checkModules} from './index.js'
import {type ModuleContext, defineScenario, option} from './scenario-module.js'

const declared = {
  kind: 'probe',
  summary: 'a module for these tests',
  needsScheduler: false,
  options: {
    size: option({field: 'size', check: integer(1, 9), default: 3, doc: 'a size'}),
    url: option({field: 'url', check: urlOf(['http:']), defaultDoc: 'the target', doc: 'a URL'}),
  },
  metrics: [trend('probe_latency', 'a latency'), counter('probe_hits', 'hits')],
  rate: {sets: 'size', as: 'rate', unit: 'probes'},
} as const

describe('defineScenario', () => {
  it('gives the factory its options typed: defaulted ones always there, others optional, the common ones added', () => {
    const m = defineScenario({
      ...declared,
      create(ctx) {
        expectTypeOf(ctx.options).toEqualTypeOf<{size: number; url?: string; requestTimeoutMs: number}>()
        return {create: () => Promise.reject(new Error('unused'))}
      },
    })
    expect(m.kind).toBe('probe')
  })

  it('narrows the recorder to the metrics the module and the engine declare', () => {
    defineScenario({
      ...declared,
      create(ctx) {
        const use = (): void => {
          ctx.recorder.trend('probe_latency', 1)
          ctx.recorder.add('probe_hits')
          ctx.recorder.add('data_sent', 10)
          ctx.recorder.trend('heartbeat_rtt', 1)
          // @ts-expect-error a name no module declares does not compile
          ctx.recorder.add('bottle_replies')
          // @ts-expect-error a trend is not a counter
          ctx.recorder.add('probe_latency')
          // @ts-expect-error another module's metric is not this one's
          ctx.recorder.trend('bottle_pick', 1)
        }
        void use
        return {create: () => Promise.reject(new Error('unused'))}
      },
    })
    expectTypeOf<Parameters<ModuleContext<typeof declared.options, typeof declared.metrics>['recorder']['add']>[0]>()
      .toEqualTypeOf<'probe_hits' | 'reconnects' | 'errors' | 'iterations' | 'iterations_started' | 'dropped_iterations' | 'data_sent' | 'data_received'>()
  })

  it('only lets --rate set an option the module declares', () => {
    defineScenario({
      ...declared,
      // @ts-expect-error `--rate` cannot set an option the module does not have
      rate: {sets: 'sizes', as: 'rate', unit: 'probes'},
      create: () => ({create: () => Promise.reject(new Error('unused'))}),
    })
  })
})

describe('checkModules', () => {
  const base = defineScenario({...declared, create: () => ({create: () => Promise.reject(new Error('unused'))})})

  it('accepts distinct kinds', () => {
    expect(() => checkModules([base, {...base, kind: 'other'}])).not.toThrow()
  })

  it('refuses two modules of one kind', () => {
    expect(() => checkModules([base, base])).toThrow('two scenario modules declare kind "probe"')
  })

  it('refuses two options reading one field, the common ones included', () => {
    expect(() => checkModules([{...base, options: {...base.options, other: {...base.options.size}}}])).toThrow('two options read field "size"')
    expect(() => checkModules([{...base, options: {timeout: option({field: 'requestTimeout', check: integer(1), default: 1, doc: 'x'})}}])).toThrow('two options read field "requestTimeout"')
  })
})
