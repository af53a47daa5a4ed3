import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realClock} from '../clock.js'
import {MetricsRecorder} from '../metrics/registry.js'
import {SourceAddresses} from '../source-addresses.js'
import {http} from './http.js'

let server: Server
let base: string
let connections = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/missing' ? 404 : 200, {'content-length': 5})
    res.end('hello')
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function factory(recorder: MetricsRecorder, url: string) {
  const ctx = {name: 'h', options: {url, method: 'GET', requestTimeoutMs: 2000}, urls: {}, recorder, clock: realClock, addresses: new SourceAddresses(0), gauges: {connected: 0}}
  return http.create(ctx as unknown as Parameters<typeof http.create>[0])
}

describe('http scenario', () => {
  it('closed loop: requests back to back on one connection per VU until the signal, each timed and its body counted', async () => {
    const recorder = new MetricsRecorder()
    const before = connections
    const vu = await factory(recorder, `${base}/`).create(0, new AbortController().signal)
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 200)
    await vu.loop(stop.signal)
    await vu.close(1000)
    const d = recorder.takeDelta()
    expect(d.counters.http_reqs).toBeGreaterThan(5)
    expect(d.counters.iterations).toBe(d.counters.http_reqs)
    expect(d.counters.data_received).toBe(5 * d.counters.http_reqs!)
    expect(Object.keys(d.histograms).sort()).toEqual(['http_req_duration', 'http_req_duration_uncorrected'])
    expect(connections - before).toBe(1)
  })

  it('open model: one request per iteration; an unexpected status and a refused connection count by code', async () => {
    const recorder = new MetricsRecorder()
    const bad = await factory(recorder, `${base}/missing`).create(0, new AbortController().signal)
    await bad.iterate(realClock.now())
    await bad.close(1000)
    const refused = await factory(recorder, 'http://127.0.0.1:1/').create(0, new AbortController().signal)
    await refused.iterate(realClock.now())
    await refused.close(1000)
    const d = recorder.takeDelta()
    expect(d.counters).toMatchObject({http_reqs: 2, errors: 2})
    expect(d.counters.iterations).toBeUndefined()
    expect(d.errors).toEqual({IMH_ERR_UNEXPECTED_STATUS: 1, IMH_ERR_CONNECT_FAILED: 1})
  })

  it('closed loop against a refused port counts every failed request and still ends at the signal', async () => {
    const recorder = new MetricsRecorder()
    const vu = await factory(recorder, 'http://127.0.0.1:1/').create(0, new AbortController().signal)
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 100)
    await vu.loop(stop.signal)
    await vu.close(1000)
    const d = recorder.takeDelta()
    expect(d.counters.errors).toBeGreaterThan(0)
    expect(d.counters.errors).toBe(d.counters.http_reqs)
  })
})
