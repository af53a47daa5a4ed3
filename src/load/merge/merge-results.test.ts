import {describe, expect, it} from 'vitest'
import {resultsWith, seededLatencies, seededRun} from '../../../test/support/results-fixtures.js'
import {LatencyHistogram} from '../../common/histogram.js'
import type {ResultsJson} from '../outputs/results-json.js'
import {checkShards, type ShardFile} from './check-shards.js'
import {mergeMetrics} from './merge-metrics.js'
import {mergeResults} from './merge-results.js'
import {mergeSeries} from './merge-series.js'

function shard(index: number, count: number, doc: ResultsJson): ShardFile {
  return {file: `shard-${index}.json`, results: {...doc, meta: {...doc.meta, shard: {index, count}}}}
}

describe('checkShards', () => {
  const doc = resultsWith({})
  it('says which shards are present and which are missing', () => {
    expect(checkShards([shard(2, 4, doc), shard(0, 4, doc)])).toEqual({count: 4, present: [0, 2], missing: [1, 3]})
  })

  it('takes a merge of shards as the shards it holds, so merges merge again', () => {
    const half = {file: 'half.json', results: {...doc, meta: {...doc.meta, shard: {count: 3, present: [0, 2]}}}}
    expect(checkShards([half, shard(1, 3, doc)])).toEqual({count: 3, present: [0, 1, 2], missing: []})
    expect(() => checkShards([half, shard(2, 3, doc)])).toThrow('half.json and shard-2.json both hold shard 2/3')
  })

  it.each([
    ['another profile', [shard(0, 2, doc), shard(1, 2, resultsWith({profile: 'smoke'}))], 'shard-1.json is a run of profile smoke, shard-0.json of profile chat'],
    ['another schedule', [shard(0, 2, doc), shard(1, 2, {...doc, meta: {...doc.meta, overrides: {clients: 7}}})], 'ran profile chat with different scenarios, --clients, --duration or --rate'],
    ['another shard count', [shard(0, 2, doc), shard(1, 3, doc)], 'shard-1.json is a shard of 3, shard-0.json of 2'],
    ['a shard twice', [shard(1, 2, doc), shard(1, 2, doc)], 'both hold shard 1/2'],
    ['two whole runs', [{file: 'a.json', results: doc}, {file: 'b.json', results: doc}], 'a.json and b.json are both whole runs (no --shard)'],
  ])('refuses %s with IMH_ERR_MERGE_MISMATCH', (_, files, message) => {
    expect(() => checkShards(files)).toThrow(expect.objectContaining({code: 'IMH_ERR_MERGE_MISMATCH', message: expect.stringContaining(message)}))
  })
})

describe('mergeMetrics', () => {
  it('adds histograms into the histogram of all samples and sums counters and errors', () => {
    const a = seededLatencies(1, 5000)
    const b = seededLatencies(2, 3000, 40)
    const {agg} = mergeMetrics([
      shard(0, 2, resultsWith({latencies: {sync_latency: a}, counters: {sent: 5, errors: 1}, errors: {IMH_ERR_TIMEOUT: 1}})),
      shard(1, 2, resultsWith({latencies: {sync_latency: b}, counters: {sent: 7, errors: 2}, errors: {IMH_ERR_TIMEOUT: 1, IMH_ERR_KICKED: 1}})),
    ])
    const union = new LatencyHistogram()
    union.add(a)
    union.add(b)
    for (const q of [1, 50, 90, 99, 99.9, 100]) expect(agg.histogram('sync_latency')!.percentile(q)).toBe(union.percentile(q))
    expect(agg.counters()).toMatchObject({sent: 12, errors: 3})
    expect(agg.errors()).toEqual({IMH_ERR_TIMEOUT: 2, IMH_ERR_KICKED: 1})
  })

  it('joins lost over every worker of every file: a message acknowledged in one shard and delivered in another is not lost', () => {
    // Shard 0 saw conversation pairs|1.0 acknowledged (n 0-4), shard 1 saw n 0-3 delivered: each alone counts wrong.
    const a = {...resultsWith({counters: {lost: 5}}), joined: {lost: [{acked: [['pairs|1.0', [0, 5]]], delivered: []}]}}
    const b = {...resultsWith({counters: {lost: 0}}), joined: {lost: [{acked: [], delivered: [['pairs|1.0', [0, 4]]]}, {acked: [], delivered: []}]}}
    const {agg, summedJoined} = mergeMetrics([shard(0, 2, a), shard(1, 2, b)])
    expect(agg.counter('lost')).toBe(1)
    expect(summedJoined).toEqual([])
  })

  it('sums a joined counter a file has no reports of, and says so', () => {
    const a = {...resultsWith({counters: {lost: 2}}), joined: {lost: [{acked: [['pairs|1.0', [0, 2]]], delivered: []}]}}
    const {agg, summedJoined} = mergeMetrics([shard(0, 2, a), shard(1, 2, resultsWith({counters: {lost: 3}}))])
    expect(agg.counter('lost')).toBe(5)
    expect(summedJoined).toEqual(['lost'])
  })

  it('refuses a histogram that does not decode, naming the file', () => {
    const bad = resultsWith({})
    bad.metrics.sync_latency = {...seededLatencies(1, 10).summary(), histogram: 'not base64 of a histogram'}
    expect(() => mergeMetrics([shard(0, 1, bad)])).toThrow(expect.objectContaining({code: 'IMH_ERR_RESULTS_INVALID', message: expect.stringContaining('shard-0.json: a histogram does not decode')}))
  })
})

describe('mergeSeries', () => {
  it('adds counters and clients by elapsed second; per-second percentiles are the highest of the shards', () => {
    const a = seededRun(1, {seconds: 3, perSecond: 100}).timeSeries
    const b = seededRun(2, {seconds: 2, perSecond: 50, scale: 3}).timeSeries
    a[0]!.counters = {sent: 4}
    b[0]!.counters = {sent: 6, acked: 1}
    const m = mergeSeries([a, b])
    expect(m.map((t) => t.second)).toEqual([1, 2, 3])
    expect(m[0]).toMatchObject({vus: 20, counters: {sent: 10, acked: 1}})
    expect(m[0]!.metrics.sync_latency).toEqual({count: 150, p50: Math.max(a[0]!.metrics.sync_latency!.p50, b[0]!.metrics.sync_latency!.p50), p99: Math.max(a[0]!.metrics.sync_latency!.p99, b[0]!.metrics.sync_latency!.p99)})
    expect(m[2]).toEqual(a[2])
    // The inputs are left as they were.
    expect(a[0]!.counters).toEqual({sent: 4})
  })
})

describe('mergeResults', () => {
  const thresholds = [{metric: 'sync_latency', expressions: [{source: 'p(99)<20', abortOnFail: false, delayAbortEvalMs: 0}]}]
  const withThresholds = (doc: ResultsJson): ResultsJson => ({...doc, meta: {...doc.meta, thresholds}})

  it("judges the runs' thresholds and --threshold on the merged histogram", () => {
    const fast = seededLatencies(1, 1000)
    const slow = seededLatencies(2, 1000, 5, 10)
    const {result, warnings} = mergeResults([shard(0, 2, withThresholds(resultsWith({latencies: {sync_latency: fast}}))), shard(1, 2, withThresholds(resultsWith({latencies: {sync_latency: slow}})))], ['sync_latency:p(50)<1000'])
    const union = new LatencyHistogram()
    union.add(fast)
    union.add(slow)
    expect(result.thresholds).toEqual([
      {metric: 'sync_latency', expression: 'p(99)<20', abortOnFail: false, ok: false, actual: union.percentile(99), reason: expect.stringContaining('wanted < 20')},
      {metric: 'sync_latency', expression: 'p(50)<1000', abortOnFail: false, ok: true, actual: union.percentile(50)},
    ])
    expect(result.meta.shard).toEqual({count: 2, present: [0, 1]})
    expect(result.meta.thresholds).toHaveLength(1)
    expect(warnings).toEqual([])
  })

  it('carries a shard\'s run error into the merge, naming its file, and warns of missing shards', () => {
    const failed = {...resultsWith({}), runError: {code: 'IMH_ERR_WORKER_FAILED', message: 'worker 0 exited'}}
    const {result, warnings} = mergeResults([shard(1, 3, failed)])
    expect(result.runError).toEqual({code: 'IMH_ERR_WORKER_FAILED', message: 'shard-1.json: worker 0 exited'})
    expect(warnings).toEqual(['shards 0, 2 of 3 missing: the merge holds only shard 1 (meta.shard.present)'])
  })

  it('refuses a bad --threshold with IMH_ERR_THRESHOLD_INVALID', () => {
    expect(() => mergeResults([shard(0, 1, resultsWith({}))], ['nonsense'])).toThrow(expect.objectContaining({code: 'IMH_ERR_THRESHOLD_INVALID'}))
  })
})
