import {describe, expect, it} from 'vitest'
import {parseRegressionLimit} from './regression-limit.js'

describe('parseRegressionLimit', () => {
  it('reads latency limits relative and in ms, med as p(50), avg', () => {
    expect(parseRegressionLimit('sync_latency:p(99)=+10%')).toMatchObject({metric: 'sync_latency', stat: {kind: 'percentile', percentile: 99}, direction: 1, amount: 0.1, relative: true})
    expect(parseRegressionLimit('http_req_duration:p(99.9)=+2ms')).toMatchObject({stat: {kind: 'percentile', percentile: 99.9}, amount: 2, relative: false})
    expect(parseRegressionLimit('http_req_duration: med = +1.5')).toMatchObject({stat: {kind: 'percentile', percentile: 50}, amount: 1.5, relative: false})
    expect(parseRegressionLimit('sync_latency:avg=+5%')).toMatchObject({stat: {kind: 'avg'}})
  })

  it('reads counter limits: at most N (or N%) more, at most N% fewer', () => {
    expect(parseRegressionLimit('errors:+0')).toMatchObject({metric: 'errors', stat: {kind: 'count'}, direction: 1, amount: 0, relative: false})
    expect(parseRegressionLimit('http_reqs:-5%')).toMatchObject({direction: -1, amount: 0.05, relative: true})
  })

  it.each([
    ['nonsense', 'does not parse'],
    ['no_such_metric:+1', 'unknown metric "no_such_metric"'],
    ['sync_latency:+10%', 'say which statistic'],
    ['sync_latency:p(99)=-10%', 'grows'],
    ['sync_latency:p(100)=+10%', 'outside 0 < N < 100'],
    ['errors:p(99)=+1', 'no statistic'],
    ['errors:+1ms', 'a number or a percentage'],
    ['http_reqs:-5', 'as a percentage'],
  ])('"%s" is IMH_ERR_REGRESSION_INVALID naming what is wrong (%s) and what is allowed', (source, why) => {
    expect(() => parseRegressionLimit(source)).toThrow(expect.objectContaining({code: 'IMH_ERR_REGRESSION_INVALID', message: expect.stringContaining(why)}))
    expect(() => parseRegressionLimit(source)).toThrow(/allowed: /)
  })
})
