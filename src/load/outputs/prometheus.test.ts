import {EventEmitter} from 'node:events'
import {describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../../common/histogram.js'
import type {LoadRun} from '../load-run.js'
import {parseListenAddress} from '../../common/listen-address.js'
import {PrometheusExporter} from './prometheus.js'

describe('parseListenAddress', () => {
  it('reads :PORT, HOST:PORT and [IPv6]:PORT', () => {
    expect(parseListenAddress(':9464')).toEqual({host: undefined, port: 9464})
    expect(parseListenAddress('127.0.0.1:0')).toEqual({host: '127.0.0.1', port: 0})
    expect(parseListenAddress('[::1]:9464')).toEqual({host: '::1', port: 9464})
  })

  it.each(['9464', 'localhost', ':70000', 'a:b'])('"%s" is not one', (text) => {
    expect(parseListenAddress(text)).toBeUndefined()
  })
})

describe('PrometheusExporter', () => {
  it('exports merged quantiles, counters, errors and the last second, read at each scrape', async () => {
    const h = new LatencyHistogram()
    for (let v = 1; v <= 1000; v++) h.record(v / 10)
    const live = {latencies: new Map([['sync_latency', h]]), counters: {sent: 10, delivered: 9}, errors: {IMH_ERR_TIMEOUT: 2}}
    const run = Object.assign(new EventEmitter(), {get live() { return live }}) as unknown as LoadRun
    const exporter = new PrometheusExporter(run)
    run.emit('tick', {second: 3, elapsedMs: 3000, vus: 40, counters: {}, metrics: {}, maxEventLoopLagMs: 12.5, saturated: true})
    const text = await exporter.metrics()
    expect(text).toMatch(/^imh_latency_ms\{metric="sync_latency",quantile="0\.99"\} 99\.\d+$/m)
    expect(text).toMatch(/^imh_latency_samples\{metric="sync_latency"\} 1000$/m)
    expect(text).toMatch(/^imh_counter_total\{counter="delivered"\} 9$/m)
    expect(text).toMatch(/^imh_errors_total\{code="IMH_ERR_TIMEOUT"\} 2$/m)
    expect(text).toMatch(/^imh_clients 40$/m)
    expect(text).toMatch(/^imh_saturated 1$/m)
    // The next scrape reads the totals again.
    live.counters.delivered = 10
    expect(await exporter.metrics()).toMatch(/^imh_counter_total\{counter="delivered"\} 10$/m)
  })
})
