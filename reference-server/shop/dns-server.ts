import {type Socket, createSocket} from 'node:dgram'
import {isIPv6} from 'node:net'
import dnsPacket, {type Answer, type DecodedPacket, type Question, type SoaAnswer} from 'dns-packet'
import {hostPort} from '../http/listen.js'

/**
 * A small authoritative DNS server over UDP, for the names the reference server gives out itself
 * (the shop's, PROTOCOL.md §17.1). Packets are read and written by dns-packet; this module only
 * decides the answer. It is not recursive: a name outside its zone is REFUSED.
 */

/** A record of the zone; `name` without the trailing dot, matched case-insensitively. */
export type ZoneRecord = Exclude<Answer, {type: 'OPT'}>

export interface Zone {
  /** The zone's apex, e.g. `imh.test`. */
  origin: string
  /** Seconds a record may be cached. */
  ttl: number
  /** The zone's records now (the SOA is added). Asked per query, so records may follow ports. */
  records(): readonly ZoneRecord[]
}

export interface DnsStats { queries: number; answered: number; nxdomain: number; nodata: number; refused: number; malformed: number }

export interface DnsServer {
  /** `host:port` a resolver is pointed at (`[::1]:port` for IPv6). */
  readonly address: string
  readonly port: number
  /** The one UDP port, as the server's port layout counts its UDP ports. */
  readonly ports: number[]
  readonly stats: DnsStats
  close(): Promise<void>
}

const RCODE = {NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5} as const
const OPCODE_QUERY = 0

const lower = (name: string): string => name.toLowerCase().replace(/\.$/, '')

function soaOf(zone: Zone): SoaAnswer {
  return {
    name: zone.origin, type: 'SOA', ttl: zone.ttl,
    data: {mname: `ns.${zone.origin}`, rname: `hostmaster.${zone.origin}`, serial: 1, refresh: 3600, retry: 600, expire: 86_400, minimum: zone.ttl},
  }
}

function reply(id: number, flags: number, rcode: number, questions: Question[], answers: Answer[] = [], authorities: Answer[] = []): Buffer {
  return dnsPacket.encode({type: 'response', id, flags: flags | rcode, questions, answers, authorities})
}

/**
 * The answer to one query datagram, or undefined when it deserves none (a response, or fewer bytes
 * than a header). Pure, so that every rule is testable without sockets.
 */
export function answerDns(query: Buffer, zone: Zone, stats?: DnsStats): Buffer | undefined {
  if (stats) stats.queries++
  if (query.length < 12) {
    if (stats) stats.malformed++
    return undefined
  }
  const id = query.readUInt16BE(0)
  let packet: DecodedPacket
  try {
    packet = dnsPacket.decode(query)
  } catch {
    if (stats) stats.malformed++
    return reply(id, 0, RCODE.FORMERR, [])
  }
  if (packet.type === 'response') return undefined
  const opcode = (query.readUInt16BE(2) >> 11) & 0xf
  // AA, and RD echoed as RFC 1035 §4.1.1 asks; RA stays 0: this server does not recurse.
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (opcode << 11) | (packet.flag_rd ? dnsPacket.RECURSION_DESIRED : 0)
  const questions = packet.questions ?? []
  if (opcode !== OPCODE_QUERY) return reply(id, flags & ~dnsPacket.AUTHORITATIVE_ANSWER, RCODE.NOTIMP, questions)
  if (questions.length !== 1) {
    if (stats) stats.malformed++
    return reply(id, flags, RCODE.FORMERR, questions)
  }
  const q = questions[0]!
  const name = lower(q.name)
  const origin = lower(zone.origin)
  if ((q.class ?? 'IN') !== 'IN' || (name !== origin && !name.endsWith(`.${origin}`))) {
    if (stats) stats.refused++
    return reply(id, flags & ~dnsPacket.AUTHORITATIVE_ANSWER, RCODE.REFUSED, questions)
  }
  const soa = soaOf(zone)
  const owned = [soa, ...zone.records()].filter((r) => lower(r.name) === name).map((r) => ({...r, ttl: r.ttl ?? zone.ttl}))
  if (owned.length === 0) {
    if (stats) stats.nxdomain++
    return reply(id, flags, RCODE.NXDOMAIN, questions, [], [soa])
  }
  const answers = owned.filter((r) => r.type === q.type || (q.type as string) === 'ANY')
  if (answers.length === 0) {
    if (stats) stats.nodata++
    return reply(id, flags, RCODE.NOERROR, questions, [], [soa])
  }
  if (stats) stats.answered++
  return reply(id, flags, RCODE.NOERROR, questions, answers as Answer[])
}

/** Starts the DNS server on UDP `host:port` (port 0: an ephemeral one). */
export async function startDnsServer(zone: Zone, o: {host?: string; port?: number} = {}): Promise<DnsServer> {
  const host = o.host ?? '127.0.0.1'
  const socket: Socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
  const stats: DnsStats = {queries: 0, answered: 0, nxdomain: 0, nodata: 0, refused: 0, malformed: 0}
  socket.on('message', (msg, from) => {
    const out = answerDns(msg, zone, stats)
    if (out) socket.send(out, from.port, from.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(o.port ?? 0, host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  // A send to a vanished client must not end the process.
  socket.on('error', () => {})
  const port = socket.address().port
  return {
    // A wildcard bind is asked on loopback.
    address: hostPort(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port),
    port,
    ports: [port],
    stats,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}
