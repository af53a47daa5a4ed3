import {describe, expect, it} from 'vitest'
import {isImhError} from '../../protocol/errors.js'
import type {ThresholdSpec} from '../types.js'
import {thrown} from '../../../test/support/thrown.js'
import {parseThresholdExpression, validateThresholds} from './thresholds.js'

function spec(metric: string, ...sources: string[]): ThresholdSpec {
  return {metric, expressions: sources.map((source) => ({source, abortOnFail: false, delayAbortEvalMs: 0}))}
}

function invalidMessage(fn: () => unknown): string {
  const err = thrown(fn)
  expect(isImhError(err, 'IMH_ERR_THRESHOLD_INVALID'), `got ${String(err)}`).toBe(true)
  return (err as Error).message
}

describe('parseThresholdExpression', () => {
  it.each([
    ['p(99)<50', {aggregation: 'p', percentile: 99, op: '<', value: 50}],
    ['p(99) < 50', {aggregation: 'p', percentile: 99, op: '<', value: 50}],
    ['  p( 95 )  <=  200  ', {aggregation: 'p', percentile: 95, op: '<=', value: 200}],
    ['p(99.9)<10', {aggregation: 'p', percentile: 99.9, op: '<', value: 10}],
    ['p(100)<1000', {aggregation: 'p', percentile: 100, op: '<', value: 1000}],
    ['avg<=10.5', {aggregation: 'avg', op: '<=', value: 10.5}],
    ['min>0.1', {aggregation: 'min', op: '>', value: 0.1}],
    ['max>=1e3', {aggregation: 'max', op: '>=', value: 1000}],
    ['med<.5', {aggregation: 'med', op: '<', value: 0.5}],
    ['count==0', {aggregation: 'count', op: '==', value: 0}],
    ['count===0', {aggregation: 'count', op: '===', value: 0}],
    ['count!=3', {aggregation: 'count', op: '!=', value: 3}],
    ['rate>100', {aggregation: 'rate', op: '>', value: 100}],
    ['rate>-1', {aggregation: 'rate', op: '>', value: -1}],
  ])('%s parses', (source, expected) => {
    expect(parseThresholdExpression(source)).toEqual({source, ...expected})
  })

  it.each(['p(101)<5', 'p(0)<5', 'p99<5', 'p()<5', 'avg<', 'foo<1', '<5', 'avg<abc', 'avg', 'avg=5', 'avg<>5', 'avg<5ms', 'P(99)<5', '', 'avg<5 extra'])(
    '%j is rejected with what is allowed',
    (source) => {
      const message = invalidMessage(() => parseThresholdExpression(source))
      expect(message).toContain(`"${source}"`)
      expect(message).toContain('p(N) with 0 < N <= 100, avg, min, max, med, count, rate')
      expect(message).toContain('< <= > >= == != ===')
    },
  )

  it('says why a percentile is out of range', () => {
    expect(invalidMessage(() => parseThresholdExpression('p(101)<5'))).toContain('percentile 101 is outside 0 < N <= 100')
  })
})

describe('validateThresholds', () => {
  it('accepts known metrics with aggregations of their kind', () => {
    const v = validateThresholds([spec('sync_latency', 'p(99)<50', 'rate>1'), spec('lost', 'count==0', 'rate<1')])
    expect(v.map((t) => [t.metric, t.kind, t.expressions.length])).toEqual([['sync_latency', 'trend', 2], ['lost', 'counter', 2]])
  })

  it('rejects unknown metrics, naming it and listing the known ones', () => {
    const message = invalidMessage(() => validateThresholds([spec('sync_latncy', 'p(99)<50')]))
    expect(message).toContain('"sync_latncy"')
    expect(message).toContain('sync_latency')
    expect(message).toContain('dropped_iterations')
  })

  it.each(['p(99)<1', 'avg<1', 'min<1', 'max<1', 'med<1'])('rejects %s on a counter', (source) => {
    const message = invalidMessage(() => validateThresholds([spec('errors', source)]))
    expect(message).toContain('"errors"')
    expect(message).toContain('count, rate')
  })

  it('rejects a bad expression of a known metric', () => {
    expect(invalidMessage(() => validateThresholds([spec('connect', 'p99<5')]))).toContain('"p99<5"')
  })
})
