import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type DnsServer, type ZoneRecord, startDnsServer} from '../../reference-server/shop/dns-server.js'
import {isImhError} from '../protocol/errors.js'
import {checkResolverAddress, pickSrv, resolveServiceUrl} from './dns-resolver.js'

let records: ZoneRecord[] = []
let server: DnsServer
beforeAll(async () => {
  server = await startDnsServer({origin: 'imh.test', ttl: 1, records: () => records})
})
afterAll(() => server.close())

const resolve = (url: string) => resolveServiceUrl(url, '_imh-shop._tcp', {resolver: server.address, timeoutMs: 500, tries: 1})

describe('resolveServiceUrl (PROTOCOL.md §17.1)', () => {
  it('takes the port from SRV and the address of its target', async () => {
    records = [
      {name: 'shop.imh.test', type: 'A', data: '127.0.0.9'},
      {name: 'edge.imh.test', type: 'A', data: '127.0.0.5'},
      {name: '_imh-shop._tcp.shop.imh.test', type: 'SRV', data: {priority: 10, weight: 0, port: 1111, target: 'shop.imh.test'}},
      {name: '_imh-shop._tcp.shop.imh.test', type: 'SRV', data: {priority: 5, weight: 0, port: 2222, target: 'edge.imh.test'}},
    ]
    expect(await resolve('http://shop.imh.test/base')).toEqual({host: 'shop.imh.test', address: '127.0.0.5', port: 2222, via: 'srv', base: 'http://127.0.0.5:2222/base'})
  })

  it('without SRV, uses the A record on the default port; AAAA when there is no A', async () => {
    records = [{name: 'shop.imh.test', type: 'A', data: '127.0.0.9'}, {name: 'v6.imh.test', type: 'AAAA', data: '::1'}]
    expect(await resolve('https://shop.imh.test')).toMatchObject({address: '127.0.0.9', port: 443, via: 'a', base: 'https://127.0.0.9'})
    expect(await resolve('http://v6.imh.test')).toMatchObject({address: '::1', port: 80, base: 'http://[::1]'})
  })

  it('fails with IMH_ERR_NAME_UNRESOLVED for an unknown name, a target of "." and a refused zone', async () => {
    records = [{name: '_imh-shop._tcp.off.imh.test', type: 'SRV', data: {priority: 0, weight: 0, port: 0, target: '.'}}]
    for (const url of ['http://nothing.imh.test', 'http://off.imh.test', 'http://shop.example.com']) {
      const err = await resolve(url).catch((e: unknown) => e)
      expect(isImhError(err, 'IMH_ERR_NAME_UNRESOLVED'), `${url}: ${String(err)}`).toBe(true)
    }
  })

  it('passes address literals through and checks resolver addresses', async () => {
    expect(await resolve('http://127.0.0.1:8080')).toMatchObject({via: 'literal', port: 8080})
    expect(checkResolverAddress('[::1]:53')).toBe('[::1]:53')
    for (const bad of ['localhost:53', '127.0.0.1', '127.0.0.1:0', '1.2.3.4:99999']) expect(() => checkResolverAddress(bad), bad).toThrow(/option resolver/)
  })

  it('picks the lowest SRV priority, by weight among equals', () => {
    const recs = [{priority: 1, weight: 0, n: 'a'}, {priority: 0, weight: 1, n: 'b'}, {priority: 0, weight: 3, n: 'c'}]
    expect(pickSrv(recs, () => 0)!.n).toBe('b')
    expect(pickSrv(recs, () => 0.5)!.n).toBe('c')
    expect(pickSrv([], () => 0)).toBeUndefined()
  })
})
