import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realClock} from '../src/load/clock.js'
import {MetricsRecorder} from '../src/load/metrics/registry.js'
import {http} from '../src/load/scenarios/http.js'
import {SourceAddresses} from '../src/load/source-addresses.js'
import {selfSignedCert} from './tls-cert.js'

const tls = selfSignedCert()
if (!tls) {
  if (process.env.CI) throw new Error('openssl is required in CI to test the http scenario over TLS')
  console.warn('\n*** SKIPPING http-over-TLS TESTS: openssl not found ***\n')
}

let server: Server
let url: string
beforeAll(async () => {
  if (!tls) return
  server = createServer({cert: tls.cert, key: tls.key}, (_req, res) => res.end('secure'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => server && new Promise<void>((resolve) => server.close(() => resolve())))

async function oneRequest(ca: Buffer | undefined) {
  const recorder = new MetricsRecorder()
  const ctx = {name: 'h', options: {url, method: 'GET', requestTimeoutMs: 2000}, urls: {}, recorder, clock: realClock, addresses: new SourceAddresses(0), gauges: {connected: 0}, tls: {ca: ca?.toString()}}
  const vu = await http.create(ctx as unknown as Parameters<typeof http.create>[0]).create(0, new AbortController().signal)
  await vu.iterate(realClock.now())
  await vu.iterate(realClock.now())
  await vu.close(1000)
  return recorder.takeDelta()
}

describe.skipIf(!tls)('http scenario over TLS', () => {
  it('requests an https target with the CA it is given (imh load --ca), body counted', async () => {
    const d = await oneRequest(tls!.cert)
    expect(d.counters).toMatchObject({http_reqs: 2, iterations: 2, data_received: 12})
    expect(d.errors).toEqual({})
  })

  it('counts an untrusted certificate as IMH_ERR_CONNECT_FAILED', async () => {
    const d = await oneRequest(undefined)
    expect(d.errors).toEqual({IMH_ERR_CONNECT_FAILED: 2})
  })
})
