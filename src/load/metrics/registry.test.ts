import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../common/histogram.js'
import {decodeDelta, MetricsAggregate, MetricsRecorder} from './registry.js'

describe('MetricsRecorder', () => {
  it('ships the samples and increments of one interval, then starts over', () => {
    const r = new MetricsRecorder()
    r.trend('sync_latency', 5)
    r.trend('sync_latency', 7)
    r.add('sent')
    r.add('sent', 2)
    r.add('data_sent', 100)
    r.error('IMH_ERR_TIMEOUT')
    r.error('IMH_ERR_TIMEOUT')
    r.error('IMH_ERR_KICKED')

    const d = r.takeDelta()
    expect(Object.keys(d.histograms)).toEqual(['sync_latency'])
    expect(LatencyHistogram.decode(d.histograms['sync_latency']!).count).toBe(2)
    expect(d.counters).toEqual({sent: 3, data_sent: 100, errors: 3})
    expect(d.errors).toEqual({IMH_ERR_TIMEOUT: 2, IMH_ERR_KICKED: 1})

    expect(r.takeDelta()).toEqual({histograms: {}, counters: {}, errors: {}})
    r.trend('sync_latency', 9)
    const next = r.takeDelta()
    const again = LatencyHistogram.decode(next.histograms['sync_latency']!)
    expect(again.count).toBe(1)
    expect(again.min).toBe(9)
  })

  it('omits trends without samples this interval but keeps counters touched with 0', () => {
    const r = new MetricsRecorder()
    r.trend('connect', 1)
    r.takeDelta()
    r.add('lost', 0)
    expect(r.takeDelta()).toEqual({histograms: {}, counters: {lost: 0}, errors: {}})
  })
})

describe('MetricsAggregate', () => {
  function workerDelta(latencies: number[], sent: number): ReturnType<MetricsRecorder['takeDelta']> {
    const r = new MetricsRecorder()
    for (const ms of latencies) r.trend('send_ack', ms)
    r.add('sent', sent)
    r.error('IMH_ERR_TIMEOUT')
    return r.takeDelta()
  }

  it('adds histograms and counters over workers and ticks', () => {
    const agg = new MetricsAggregate()
    agg.addDelta(workerDelta([1, 2, 3], 3))
    agg.addDelta(workerDelta([10, 20], 2))
    agg.addDelta(workerDelta([], 1))

    const whole = new LatencyHistogram()
    for (const ms of [1, 2, 3, 10, 20]) whole.record(ms)
    expect(agg.histogram('send_ack')!.summary()).toEqual(whole.summary())
    expect(agg.counter('sent')).toBe(6)
    expect(agg.counter('errors')).toBe(3)
    expect(agg.counter('never')).toBe(0)
    expect(agg.errors()).toEqual({IMH_ERR_TIMEOUT: 3})
  })

  it('summarises trends with samples, with their merged histogram', () => {
    const agg = new MetricsAggregate()
    agg.addDelta(workerDelta([4, 6], 2))
    const s = agg.summaries()
    expect(Object.keys(s)).toEqual(['send_ack'])
    expect(s['send_ack']!.count).toBe(2)
    expect(LatencyHistogram.decode(s['send_ack']!.histogram).summary()).toEqual(agg.histogram('send_ack')!.summary())
  })

  it('reports errors at 0 and takes counters the coordinator sets', () => {
    const agg = new MetricsAggregate()
    expect(agg.counters()).toEqual({errors: 0})
    expect(agg.hasCounter('lost')).toBe(false)
    expect(agg.hasCounter('http_reqs')).toBe(false)
    agg.set('lost', 4)
    agg.set('lost', 2)
    agg.addDelta({histograms: {}, counters: {http_reqs: 5}, errors: {}})
    expect(agg.counters()).toEqual({lost: 2, http_reqs: 5, errors: 0})
    expect(agg.hasCounter('http_reqs')).toBe(true)
  })

  it('adds one decoded delta to two aggregates without either sharing or changing it', () => {
    const decoded = decodeDelta(workerDelta([1, 2], 2))
    const total = new MetricsAggregate()
    const second = new MetricsAggregate()
    total.addDecoded(decoded)
    second.addDecoded(decoded)
    total.addDelta(workerDelta([30], 1))
    expect(total.histogram('send_ack')!.count).toBe(3)
    expect(second.histogram('send_ack')!.count).toBe(2)
    expect(decoded.histograms.get('send_ack')!.count).toBe(2)
    expect(total.counter('sent')).toBe(3)
    expect(total.errors()).toEqual({IMH_ERR_TIMEOUT: 2})
  })
})
