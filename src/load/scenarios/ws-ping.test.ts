import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocketServer, type WebSocket} from 'ws'
import {realClock} from '../clock.js'
import {MetricsRecorder} from '../metrics/registry.js'
import {SourceAddresses} from '../source-addresses.js'
import {wsPing} from './ws-ping.js'

let wss: WebSocketServer
let url: string
/** While true the server answers no ping. */
let silent = false
/** While above 0 the server answers pings this late (ms). */
let lateMs = 0
const sockets: WebSocket[] = []

beforeAll(async () => {
  wss = new WebSocketServer({host: '127.0.0.1', port: 0, autoPong: false})
  wss.on('connection', (ws) => {
    sockets.push(ws)
    ws.on('ping', (data) => {
      if (silent) return
      if (lateMs > 0) setTimeout(() => ws.pong(data), lateMs)
      else ws.pong(data)
    })
  })
  await new Promise((resolve) => wss.once('listening', resolve))
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())))

function factory(recorder: MetricsRecorder, o: {interval?: number; timeout?: number; target?: string} = {}) {
  const gauges = {connected: 0}
  const ctx = {
    name: 'p', options: {url: o.target ?? url, heartbeatIntervalMs: o.interval ?? 20, payloadSize: 16, requestTimeoutMs: o.timeout ?? 1000}, urls: {},
    recorder, clock: realClock, addresses: new SourceAddresses(0), gauges, tls: {}, random: () => 0.5,
  }
  return {f: wsPing.create(ctx as unknown as Parameters<typeof wsPing.create>[0]), gauges}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('ws-ping scenario', () => {
  it('closed loop: a ping per interval, each pong timed, until the signal; the loop can run again', async () => {
    const recorder = new MetricsRecorder()
    const {f, gauges} = factory(recorder)
    const vu = await f.create(0, new AbortController().signal)
    expect(gauges.connected).toBe(1)
    for (const ms of [150, 60]) {
      const stop = new AbortController()
      setTimeout(() => stop.abort(), ms)
      await vu.loop(stop.signal)
    }
    await vu.close(1000)
    expect(gauges.connected).toBe(0)
    const d = recorder.takeDelta()
    expect(d.counters.iterations).toBeGreaterThanOrEqual(3)
    expect(d.histograms.heartbeat_rtt).toBeDefined()
    expect(d.counters.errors ?? 0).toBe(0)
  })

  it('counts a ping whose pong does not come in time, skips its late pong, and times the next ones', async () => {
    const recorder = new MetricsRecorder()
    const {f} = factory(recorder, {interval: 30, timeout: 40})
    const vu = await f.create(0, new AbortController().signal)
    lateMs = 60
    const stop = new AbortController()
    const loop = vu.loop(stop.signal)
    await sleep(70)
    lateMs = 0
    await sleep(200)
    stop.abort()
    await loop
    await vu.close(1000)
    const d = recorder.takeDelta()
    expect(d.errors.IMH_ERR_TIMEOUT).toBeGreaterThanOrEqual(1)
    expect(d.counters.iterations).toBeGreaterThanOrEqual(1)
  })

  it('a server that closes the link ends the loop with IMH_ERR_CONNECTION_CLOSED, counted once', async () => {
    const recorder = new MetricsRecorder()
    const {f, gauges} = factory(recorder)
    const before = sockets.length
    const vu = await f.create(0, new AbortController().signal)
    const loop = vu.loop(new AbortController().signal)
    await sleep(30)
    sockets[before]!.close(1001)
    await expect(loop).rejects.toMatchObject({code: 'IMH_ERR_CONNECTION_CLOSED'})
    await expect(vu.loop(new AbortController().signal)).rejects.toMatchObject({code: 'IMH_ERR_CONNECTION_CLOSED'})
    await vu.close(1000)
    expect(gauges.connected).toBe(0)
    expect(recorder.takeDelta().errors).toEqual({IMH_ERR_CONNECTION_CLOSED: 1})
  })

  it('open model: one timed ping per iteration; a missing pong is a timeout', async () => {
    const recorder = new MetricsRecorder()
    const {f} = factory(recorder, {timeout: 50})
    const vu = await f.create(0, new AbortController().signal)
    await vu.iterate(realClock.now())
    silent = true
    await vu.iterate(realClock.now())
    silent = false
    await vu.close(1000)
    const d = recorder.takeDelta()
    expect(d.counters.iterations).toBe(1)
    expect(d.errors).toEqual({IMH_ERR_TIMEOUT: 1})
  })

  it('a refused connection is IMH_ERR_CONNECT_FAILED naming the url', async () => {
    const {f} = factory(new MetricsRecorder(), {target: 'ws://127.0.0.1:1/'})
    await expect(f.create(0, new AbortController().signal)).rejects.toMatchObject({code: 'IMH_ERR_CONNECT_FAILED', message: expect.stringContaining('ws://127.0.0.1:1/')})
  })
})
