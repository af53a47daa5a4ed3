import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {isImhError} from '../protocol/index.js'
import {ResolverCache, resolveServices, shuffle} from './resolve.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => {
    s.closeAllConnections()
    s.close(r)
  })))
})

const ANSWER = {
  ret: 0, ttl: 60, clientIp: '127.0.0.1',
  groups: {long: ['ws://127.0.0.1:9001/long'], short: ['http://127.0.0.1:9000'], relay: [], media: [], qr: []},
  fallback: {long: ['ws://127.0.0.1:9101/long', 'ws://127.0.0.1:9102/long'], short: ['http://127.0.0.1:9100']},
}

async function scheduler(handler: Parameters<typeof createServer>[1]): Promise<{url: string; hits: string[]}> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    handler!(req, res)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns`, hits}
}

const answering = () => scheduler((_req, res) => {
  res.writeHead(200, {'content-type': 'application/json'})
  res.end(JSON.stringify(ANSWER))
})
// Holds every request open: the client must give up after its own time-out.
const hanging = () => scheduler(() => {})
const failingLookup = async () => {
  throw new Error('ENOTFOUND')
}

describe('resolveServices: scheduler → system DNS → fallback (PROTOCOL.md §2.4)', () => {
  it('uses the scheduler answer and passes clientId', async () => {
    const s = await answering()
    const r = await resolveServices({scheduler: s.url, clientId: 'dev 1'})
    expect(r.groups.long).toEqual(ANSWER.groups.long)
    expect(r.sources.long).toBe('scheduler')
    expect(s.hits[0]).toBe('/dns?clientId=dev+1')
  })

  it('gives up on a silent scheduler after its time-out and uses system DNS names', async () => {
    const s = await hanging()
    const r = await resolveServices({scheduler: s.url, schedulerTimeoutMs: 200, dnsNames: {long: 'ws://localhost:9001/long', short: 'http://localhost:9000'}})
    expect(r.sources).toEqual({long: 'dns', short: 'dns'})
    expect(r.groups.short).toEqual(['http://localhost:9000'])
    expect(r.errors[0]).toMatch(/no answer within 200 ms/)
  })

  it('falls back to the configured list, shuffled, when scheduler and DNS both fail', async () => {
    const fallback = {long: ['ws://a/long', 'ws://b/long', 'ws://c/long'], short: ['http://s']}
    const r = await resolveServices({scheduler: 'http://127.0.0.1:1/dns', dnsNames: {long: 'ws://long.invalid/long'}, lookup: failingLookup, fallback, random: () => 0})
    expect(r.sources).toEqual({long: 'fallback', short: 'fallback'})
    expect(r.groups.long).toEqual(shuffle(fallback.long, () => 0))
    expect(r.groups.long).not.toEqual(fallback.long)
    expect(r.errors.length).toBe(2)
  })

  it('prefers the fallback list learned from an earlier answer over the configured one', async () => {
    const s = await answering()
    const cache = new ResolverCache()
    await resolveServices({scheduler: s.url, cache})
    cache.expiresAt = 0
    const r = await resolveServices({scheduler: 'http://127.0.0.1:1/dns', cache, fallback: {long: ['ws://configured/long'], short: ['http://configured']}, random: () => 0.99})
    expect(r.groups.short).toEqual(ANSWER.fallback.short)
    expect(new Set(r.groups.long)).toEqual(new Set(ANSWER.fallback.long))
  })

  it('keeps an answer for its ttl without asking again', async () => {
    const s = await answering()
    const cache = new ResolverCache()
    await resolveServices({scheduler: s.url, cache})
    await resolveServices({scheduler: s.url, cache})
    expect(s.hits.length).toBe(1)
  })

  it('asks again when told fresh (after 1102), and caches the new answer', async () => {
    const s = await answering()
    const cache = new ResolverCache()
    await resolveServices({scheduler: s.url, cache})
    const before = cache.expiresAt
    await new Promise((r) => setTimeout(r, 5))
    await resolveServices({scheduler: s.url, cache, fresh: true})
    expect(s.hits.length).toBe(2)
    expect(cache.expiresAt).toBeGreaterThan(before)
    expect(cache.live()).toBe(cache.answer)
  })

  it('shares one frozen answer between the clients that got the same text, and keeps different answers apart', async () => {
    const s = await answering()
    const ip = {...ANSWER, clientIp: '127.0.0.2'}
    const other = await scheduler((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(ip))
    })
    const [a, b, c] = await Promise.all([resolveServices({scheduler: s.url}), resolveServices({scheduler: s.url, clientId: 'x'}), resolveServices({scheduler: other.url})])
    expect(b).toBe(a)
    expect(b.groups.long).toBe(a.groups.long)
    expect(c.answer?.clientIp).toBe('127.0.0.2')
    expect(a.answer?.clientIp).toBe('127.0.0.1')
    expect(c.groups.long).toEqual(a.groups.long)
    expect(Object.isFrozen(a.groups.long)).toBe(true)
    expect(() => (a.groups.long as string[]).push('ws://elsewhere/long')).toThrow(TypeError)
  })

  it('fails with IMH_ERR_SCHEDULER_UNAVAILABLE naming every attempt when nothing works', async () => {
    const err = await resolveServices({scheduler: 'http://127.0.0.1:1/dns', dnsNames: {short: 'http://x.invalid'}, lookup: failingLookup}).catch((e) => e)
    expect(isImhError(err, 'IMH_ERR_SCHEDULER_UNAVAILABLE')).toBe(true)
    expect(err.message).toMatch(/long, short/)
    expect(err.message).toMatch(/dns short/)
  })

  it('rejects an off-spec answer and moves on to the next source', async () => {
    const s = await scheduler((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.end('{"ret":0}')
    })
    const r = await resolveServices({scheduler: s.url, fallback: {long: ['ws://f/long'], short: ['http://f']}})
    expect(r.sources.short).toBe('fallback')
    expect(r.errors[0]).toMatch(/scheduler answer/)
  })
})
