import {type AddressInfo, type Server, createServer} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {Agent} from 'undici'
import type {TraceEntry} from './trace.js'
import {rawRequest, retriable} from './http-json.js'

const OK = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ret": 0}\n'

/** A raw server that hangs up on the first `drops` requests without a byte of answer, then answers 200. */
async function droppingServer(drops: number): Promise<{server: Server; url: URL; requests: () => number}> {
  let seen = 0
  const server = createServer((socket) => {
    socket.on('data', () => {
      seen++
      if (seen <= drops) socket.destroy()
      else socket.end(OK)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {server, url: new URL(`http://127.0.0.1:${port}/x`), requests: () => seen}
}

describe('rawRequest', () => {
  const closers: (() => unknown)[] = []
  afterEach(async () => {
    for (const c of closers.splice(0)) await c()
  })

  async function setup(drops: number) {
    const s = await droppingServer(drops)
    const dispatcher = new Agent()
    closers.push(() => dispatcher.close(), () => new Promise((r) => s.server.close(r)))
    const trace: TraceEntry[] = []
    return {...s, options: {dispatcher, timeoutMs: 5000, trace: (e: TraceEntry) => void trace.push(e)}, trace}
  }

  it('retries a GET whose connection closed before any answer, and says so in the trace', async () => {
    const {url, options, trace, requests} = await setup(1)
    const res = await rawRequest('GET', url, {}, options)
    expect(res.status).toBe(200)
    expect(requests()).toBe(2)
    expect(trace.some((e) => e.note?.includes('retried'))).toBe(true)
  })

  it('gives up on a server that hangs up on every try', async () => {
    const {url, options, requests} = await setup(99)
    await expect(rawRequest('GET', url, {}, options)).rejects.toMatchObject({code: 'IMH_ERR_CONNECT_FAILED'})
    expect(requests()).toBe(3)
  })

  it('never retries a POST: it may have been acted on', async () => {
    const {url, options, requests} = await setup(1)
    await expect(rawRequest('POST', url, {body: '{}'}, options)).rejects.toMatchObject({code: 'IMH_ERR_CONNECT_FAILED'})
    expect(requests()).toBe(1)
  })

  it('retries only idempotent methods on a closed socket', () => {
    expect(retriable('GET', {code: 'UND_ERR_SOCKET'})).toBe(true)
    expect(retriable('HEAD', {code: 'ECONNRESET'})).toBe(true)
    expect(retriable('POST', {code: 'UND_ERR_SOCKET'})).toBe(false)
    expect(retriable('GET', {code: 'ECONNREFUSED'})).toBe(false)
  })
})
