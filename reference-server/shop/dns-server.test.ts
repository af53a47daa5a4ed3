import {createSocket} from 'node:dgram'
import {Resolver} from 'node:dns/promises'
import dnsPacket from 'dns-packet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type DnsServer, type Zone, answerDns, startDnsServer} from './dns-server.js'

const zone: Zone = {
  origin: 'imh.test',
  ttl: 30,
  records: () => [
    {name: 'shop.imh.test', type: 'A', data: '127.0.0.1'},
    {name: '_imh-shop._tcp.shop.imh.test', type: 'SRV', data: {priority: 0, weight: 0, port: 4321, target: 'shop.imh.test'}},
  ],
}

const rcode = (b: Buffer | undefined): string => (dnsPacket.decode(b!) as unknown as {rcode: string}).rcode

function query(name: string, type: dnsPacket.RecordType, opts: {flags?: number} = {}): Buffer {
  return dnsPacket.encode({type: 'query', id: 77, flags: opts.flags ?? dnsPacket.RECURSION_DESIRED, questions: [{type, name}]})
}

describe('answerDns (PROTOCOL.md §17.1)', () => {
  it('answers records of the zone authoritatively, echoing id and RD, case-insensitively', () => {
    const r = dnsPacket.decode(answerDns(query('SHOP.imh.test', 'A'), zone)!)
    expect(r).toMatchObject({id: 77, type: 'response', rcode: 'NOERROR', flag_aa: true, flag_rd: true, flag_ra: false})
    expect(r.answers).toMatchObject([{type: 'A', data: '127.0.0.1', ttl: 30}])
  })

  it('says NXDOMAIN for other names of the zone and NODATA for other types, with the SOA', () => {
    const nx = dnsPacket.decode(answerDns(query('nope.imh.test', 'A'), zone)!)
    expect(nx).toMatchObject({rcode: 'NXDOMAIN'})
    expect(nx.authorities).toMatchObject([{type: 'SOA', name: 'imh.test'}])
    const nodata = dnsPacket.decode(answerDns(query('shop.imh.test', 'AAAA'), zone)!)
    expect(nodata).toMatchObject({rcode: 'NOERROR', answers: []})
    expect(nodata.authorities).toHaveLength(1)
  })

  it('refuses names outside its zone, does not implement other opcodes, ignores responses and scraps', () => {
    expect(dnsPacket.decode(answerDns(query('example.com', 'A'), zone)!)).toMatchObject({rcode: 'REFUSED', flag_aa: false})
    expect(rcode(answerDns(query('xyzimh.test', 'A'), zone))).toBe('REFUSED')
    const notify = query('imh.test', 'SOA', {flags: 4 << 11})
    expect(rcode(answerDns(notify, zone))).toBe('NOTIMP')
    expect(answerDns(dnsPacket.encode({type: 'response', id: 1, questions: []}), zone)).toBeUndefined()
    expect(answerDns(Buffer.from([1, 2, 3]), zone)).toBeUndefined()
    const garbage = Buffer.concat([Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([200, 1, 2])])
    expect(dnsPacket.decode(answerDns(garbage, zone)!)).toMatchObject({id: 9, rcode: 'FORMERR'})
  })
})

describe('the DNS server on loopback UDP, asked by node\'s resolver', () => {
  let server: DnsServer
  let r: Resolver
  beforeAll(async () => {
    server = await startDnsServer(zone)
    r = new Resolver({timeout: 1000, tries: 1})
    r.setServers([server.address])
  })
  afterAll(() => server.close())

  it('resolves A and SRV, and reports NXDOMAIN, NODATA and REFUSED as node codes', async () => {
    expect(await r.resolve4('shop.imh.test')).toEqual(['127.0.0.1'])
    expect(await r.resolveSrv('_imh-shop._tcp.shop.imh.test')).toEqual([{name: 'shop.imh.test', port: 4321, priority: 0, weight: 0}])
    await expect(r.resolve4('missing.imh.test')).rejects.toMatchObject({code: 'ENOTFOUND'})
    await expect(r.resolve6('shop.imh.test')).rejects.toMatchObject({code: 'ENODATA'})
    await expect(r.resolve4('example.com')).rejects.toMatchObject({code: 'EREFUSED'})
    expect(server.stats).toMatchObject({answered: 2, nxdomain: 1, nodata: 1, refused: 1})
  })

  it('survives a datagram that is not DNS', async () => {
    const s = createSocket('udp4')
    await new Promise<void>((resolve) => s.send(Buffer.from('hello'), server.port, '127.0.0.1', () => resolve()))
    s.close()
    expect(await r.resolve4('shop.imh.test')).toEqual(['127.0.0.1'])
  })
})
