import {describe, expect, it} from 'vitest'
import {SCENARIO_MODULES} from '../scenarios/index.js'
import {METRICS, buildCatalogue, declaredBy, metricKind} from './catalogue.js'
import {ENGINE_METRICS} from './engine-metrics.js'
import {type MetricDefinition, counter, trend} from './metric-definition.js'

const declared: MetricDefinition[] = [...ENGINE_METRICS, ...SCENARIO_MODULES.flatMap((m): readonly MetricDefinition[] => m.metrics)]

describe('the metric catalogue', () => {
  it("holds the engine's metrics and every scenario module's, each name once", () => {
    const names = METRICS.map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    for (const d of declared) expect(names).toContain(d.name)
    expect(names).toHaveLength(new Set(declared.map((d) => d.name)).size)
  })

  it('lists trends before counters, heartbeat_rtt first, the engine totals last', () => {
    const kinds = METRICS.map((m) => m.kind)
    expect(kinds.indexOf('counter')).toBe(kinds.lastIndexOf('trend') + 1)
    expect(METRICS[0]!.name).toBe('heartbeat_rtt')
    expect(METRICS.at(-2)!.name).toBe('data_received')
    expect(METRICS.at(-1)!.name).toBe('rate_achieved')
  })

  it('says who records a metric', () => {
    expect(declaredBy('bottle_pick')).toEqual(['bottle'])
    expect(declaredBy('media_get')).toEqual(['nearby', 'shake', 'moments', 'download'])
    expect(declaredBy('errors')).toEqual([])
    expect(metricKind('lost')).toBe('counter')
  })

  it('lets modules share one definition but refuses two definitions of one name', () => {
    const shared = counter('shared', 'x')
    const engine = [trend('engine_t', 'x')]
    expect(buildCatalogue(engine, [{kind: 'a', metrics: [shared]}, {kind: 'b', metrics: [shared]}]).map((m) => m.name)).toEqual(['engine_t', 'shared'])
    expect(() => buildCatalogue(engine, [{kind: 'a', metrics: [counter('shared', 'x')]}, {kind: 'b', metrics: [counter('shared', 'y')]}]))
      .toThrow('metric "shared" is declared twice: by scenario a and by scenario b')
    expect(() => buildCatalogue(engine, [{kind: 'a', metrics: [trend('engine_t', 'x')]}])).toThrow('by the engine and by scenario a')
  })
})
