import type {RemoteInfo, Socket} from 'node:dgram'
import {isIPv6} from 'node:net'
import {networkInterfaces} from 'node:os'
import {type StunProbeResult, type StunServer, parseStunServer, probeStun} from '../../client/stun-client.js'
import {
  ImhError, STUN_ATTR, STUN_BINDING_REQUEST, STUN_BINDING_SUCCESS, STUN_CLASS, STUN_MAGIC_COOKIE, STUN_METHOD, type StunAddress, type StunMessage,
  decodeStun, encodeStun, getStunAttribute, mappedAddressOf, newTransactionId, unmapIPv4, verifyFingerprint,
} from '../../protocol/index.js'
import {RFC5769_SAMPLE_REQUEST, RFC5769_TRANSACTION_ID} from '../../protocol/stun-vectors.js'
import type {CaseContext} from '../context.js'
import {check} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {bindAddressFor, caseSocket, isLoopback} from './udp-util.js'

/** The relay group as servers: listed by a target that announces talk (PROTOCOL.md §2.2, §11.1). */
function relayServers(ctx: CaseContext): StunServer[] {
  const relay = ctx.answer.groups.relay
  if (relay.length === 0) throw new CaseFailure('the scheduler lists no relay address (PROTOCOL.md §2.2, §11.1)')
  return relay.map((url) => parseStunServer(url))
}



function fmt(a: {address: string; port: number}): string {
  return isIPv6(a.address) ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`
}

function localAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)))
}

/**
 * Checks a mapped address against the socket it was probed from. Toward a loopback target no NAT
 * can be in between: address and port must both be the socket's. Toward another target they are
 * compared only when the mapped address is one of this host's own (no NAT on the path).
 */
function checkMapped(mapped: StunAddress, local: {address: string; port: number}, server: StunServer, what: string): void {
  const address = unmapIPv4(mapped.address)
  if (isLoopback(server.host)) {
    check(address === unmapIPv4(local.address) && mapped.port === local.port, `${what}: XOR-MAPPED-ADDRESS is ${fmt({address, port: mapped.port})}, but the request came from ${fmt(local)}`)
  } else if (localAddresses().has(address)) {
    check(mapped.port === local.port, `${what}: XOR-MAPPED-ADDRESS ${fmt({address, port: mapped.port})} is an address of this host, but the request came from port ${local.port}`)
  }
  check(mapped.port > 0, `${what}: XOR-MAPPED-ADDRESS has port 0`)
}

/** One UDP socket talking to one relay address, keeping every datagram that came from it. */
class StunPeer {
  private readonly received: Buffer[] = []
  private constructor(readonly socket: Socket, readonly server: StunServer) {
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (rinfo.port === server.port) this.received.push(msg)
    })
    socket.on('error', () => {})
  }

  static async open(ctx: CaseContext, server: StunServer): Promise<StunPeer> {
    return new StunPeer(await caseSocket(ctx, server), server)
  }

  get local(): {address: string; port: number} {
    return this.socket.address()
  }

  private send(datagram: Buffer): void {
    this.socket.send(datagram, this.server.port, this.server.host)
  }

  /**
   * Sends `datagram` and returns the first datagram the server sends after it, retransmitting at
   * rto, 3·rto, 7·rto … (RFC 5389 §7.2.1) until `timeoutMs`; undefined when none came.
   */
  async request(datagram: Buffer, timeoutMs: number, rtoMs: number, retransmit = true): Promise<Buffer | undefined> {
    const from = this.received.length
    const end = Date.now() + timeoutMs
    let nextSend = Date.now()
    let interval = rtoMs
    while (Date.now() < end) {
      if (this.received.length > from) return this.received[from]
      if (Date.now() >= nextSend && (retransmit || interval === rtoMs)) {
        this.send(datagram)
        nextSend = Date.now() + interval
        interval *= 2
      }
      await new Promise((r) => setTimeout(r, 5))
    }
    return this.received[from]
  }

  /** Like request, but fails the case when nothing came or the answer does not decode. */
  async mustAnswer(ctx: CaseContext, datagram: Buffer, what: string): Promise<StunMessage> {
    const answer = await this.request(datagram, ctx.ms(3000), ctx.ms(250))
    if (!answer) throw new CaseFailure(`${what}: no answer from ${fmt({address: this.server.host, port: this.server.port})} within ${ctx.ms(3000)} ms`)
    return decodeAnswer(answer, what)
  }
}

function decodeAnswer(answer: Buffer, what: string): StunMessage {
  try {
    return decodeStun(answer)
  } catch (err) {
    if (err instanceof ImhError) throw new CaseFailure(`${what}: the answer is not a well-formed STUN message (${err.message}): ${answer.subarray(0, 48).toString('hex')}`)
    throw err
  }
}

function describeType(msg: StunMessage): string {
  const cls = ['request', 'indication', 'success response', 'error response'][msg.cls]
  return `0x${msg.type.toString(16).padStart(4, '0')} (method 0x${msg.method.toString(16)}, ${cls})`
}

/** A Binding success with the request's transaction id and a mapped address; returns that address. */
function checkSuccess(msg: StunMessage, transactionId: Buffer, what: string): StunAddress {
  check(msg.type === STUN_BINDING_SUCCESS, `${what}: expected a Binding success response (0x0101), got type ${describeType(msg)}`)
  check(msg.transactionId.equals(transactionId), `${what}: transaction id ${msg.transactionId.toString('hex')} is not the request's ${transactionId.toString('hex')}`)
  let mapped: StunAddress | undefined
  try {
    mapped = getStunAttribute(msg, STUN_ATTR.XOR_MAPPED_ADDRESS) ? mappedAddressOf(msg) : undefined
  } catch (err) {
    throw new CaseFailure(`${what}: XOR-MAPPED-ADDRESS does not decode: ${(err as Error).message}`)
  }
  if (!mapped) throw new CaseFailure(`${what}: the success response carries no XOR-MAPPED-ADDRESS`)
  return mapped
}

function bindingRequest(options: {fingerprint?: boolean} = {}): {transactionId: Buffer; datagram: Buffer} {
  const transactionId = newTransactionId()
  return {transactionId, datagram: encodeStun({type: STUN_BINDING_REQUEST, transactionId}, options)}
}

function describeResult(r: StunProbeResult): string {
  if (r.error) return `an error response ${r.error.code} ${r.error.reason}`
  if (r.failure) return r.failure
  return `no answer after ${r.sends} sends`
}

export const stunCases: readonly CaseDefinition[] = [
  {
    id: 'stun.binding-every-port',
    section: '11.1',
    level: 'MUST',
    requirement: 'every udp:// address of the relay group answers a Binding request with the source address and port in XOR-MAPPED-ADDRESS',
    async run(ctx) {
      const servers = relayServers(ctx)
      // One socket per bind address (normally one for all: the client probes from one port).
      const byBind = new Map<string, StunServer[]>()
      for (const s of servers) byBind.set(bindAddressFor(s), [...(byBind.get(bindAddressFor(s)) ?? []), s])
      const problems: string[] = []
      for (const [address, group] of byBind) {
        const probe = await probeStun({servers: group, localAddress: address, rtoMs: ctx.ms(100), maxSends: 5, finalWaitFactor: 16})
        for (const r of probe.results) {
          const where = `udp://${fmt({address: r.server.host, port: r.server.port})}`
          if (!r.answered || !r.mapped) {
            problems.push(`${where}: ${describeResult(r)}`)
            continue
          }
          try {
            checkMapped(r.mapped, probe.local, r.server, where)
          } catch (err) {
            if (!(err instanceof CaseFailure)) throw err
            problems.push(err.message)
          }
        }
      }
      check(problems.length === 0, `${problems.length} of ${servers.length} relay addresses: ${problems.join('; ')}`)
    },
  },
  {
    id: 'stun.transaction-id',
    section: '11.1',
    level: 'MUST',
    requirement: 'the answer to a Binding request is a success response (0x0101) with the magic cookie and the request\'s transaction id',
    async run(ctx) {
      const [server] = relayServers(ctx)
      const peer = await StunPeer.open(ctx, server!)
      for (let i = 0; i < 3; i++) {
        const {transactionId, datagram} = bindingRequest()
        const raw = await peer.request(datagram, ctx.ms(3000), ctx.ms(250))
        if (!raw) throw new CaseFailure(`request ${i + 1}: no answer within ${ctx.ms(3000)} ms`)
        check(raw.length >= 20 && raw.readUInt32BE(4) === STUN_MAGIC_COOKIE, `request ${i + 1}: the answer does not carry the magic cookie 0x2112a442: ${raw.subarray(0, 20).toString('hex')}`)
        const msg = decodeAnswer(raw, `request ${i + 1}`)
        check(msg.method === STUN_METHOD.BINDING && msg.cls === STUN_CLASS.SUCCESS, `request ${i + 1}: expected a Binding success response, got type ${describeType(msg)}`)
        checkSuccess(msg, transactionId, `request ${i + 1}`)
      }
    },
  },
  {
    id: 'stun.fingerprint',
    section: '11.1',
    level: 'MUST',
    requirement: 'an answer carries a valid FINGERPRINT (last) if and only if the request carried one',
    async run(ctx) {
      const [server] = relayServers(ctx)
      const peer = await StunPeer.open(ctx, server!)
      const withFp = bindingRequest({fingerprint: true})
      const raw = await peer.request(withFp.datagram, ctx.ms(3000), ctx.ms(250))
      if (!raw) throw new CaseFailure(`a request with FINGERPRINT: no answer within ${ctx.ms(3000)} ms`)
      const msg = decodeAnswer(raw, 'the answer to a request with FINGERPRINT')
      checkSuccess(msg, withFp.transactionId, 'a request with FINGERPRINT')
      const fp = getStunAttribute(msg, STUN_ATTR.FINGERPRINT)
      check(fp, 'the answer to a request with FINGERPRINT carries no FINGERPRINT')
      check(verifyFingerprint(msg), `the answer's FINGERPRINT 0x${fp.value.toString('hex')} is not the CRC-32 of the message XOR 0x5354554e`)
      check(msg.attributes.at(-1)!.type === STUN_ATTR.FINGERPRINT, 'FINGERPRINT is not the last attribute of the answer')
      const without = bindingRequest()
      const plain = await peer.mustAnswer(ctx, without.datagram, 'a request without FINGERPRINT')
      checkSuccess(plain, without.transactionId, 'a request without FINGERPRINT')
      check(!getStunAttribute(plain, STUN_ATTR.FINGERPRINT), 'the answer to a request without FINGERPRINT carries one')
    },
  },
  {
    id: 'stun.rfc5769-request',
    section: '11.1',
    level: 'MUST',
    requirement: 'the RFC 5769 §2.1 sample request (USERNAME, MESSAGE-INTEGRITY, PRIORITY, ICE-CONTROLLED, FINGERPRINT), sent verbatim, gets a Binding success with its transaction id',
    async run(ctx) {
      const [server] = relayServers(ctx)
      const peer = await StunPeer.open(ctx, server!)
      const msg = await peer.mustAnswer(ctx, Buffer.from(RFC5769_SAMPLE_REQUEST), 'the RFC 5769 sample request')
      const mapped = checkSuccess(msg, RFC5769_TRANSACTION_ID, 'the RFC 5769 sample request')
      checkMapped(mapped, peer.local, server!, 'the RFC 5769 sample request')
      check(getStunAttribute(msg, STUN_ATTR.FINGERPRINT), 'the answer to the sample request (which carries FINGERPRINT) carries none')
      check(!getStunAttribute(msg, STUN_ATTR.MESSAGE_INTEGRITY), 'the answer carries MESSAGE-INTEGRITY; relay ports use no credentials')
    },
  },
  {
    id: 'stun.malformed-ignored',
    section: '11.1',
    level: 'MUST',
    requirement: 'a malformed datagram gets no answer at all, and the port keeps answering Binding requests after it',
    async run(ctx) {
      const [server] = relayServers(ctx)
      const peer = await StunPeer.open(ctx, server!)
      const valid = () => bindingRequest({fingerprint: true}).datagram
      const wrongCookie = valid()
      wrongCookie.writeUInt32BE(0x2112a443, 4)
      const wrongFingerprint = valid()
      wrongFingerprint.writeUInt8(wrongFingerprint.readUInt8(wrongFingerprint.length - 1) ^ 0xff, wrongFingerprint.length - 1)
      const wrongLength = valid()
      wrongLength.writeUInt16BE(wrongLength.readUInt16BE(2) + 4, 2)
      const topBits = valid()
      topBits.writeUInt8(topBits.readUInt8(0) | 0xc0, 0)
      const malformed: [string, Buffer][] = [
        ['text that is not STUN', Buffer.from('GET / HTTP/1.1\r\nHost: relay\r\n\r\n')],
        ['a 12-byte truncated header', valid().subarray(0, 12)],
        ['a Binding request with a wrong magic cookie', wrongCookie],
        ['a Binding request with a wrong FINGERPRINT', wrongFingerprint],
        ['a Binding request whose length counts 4 bytes too many', wrongLength],
        ['a Binding request with the top two type bits set', topBits],
      ]
      for (const [what, datagram] of malformed) {
        const answer = await peer.request(datagram, ctx.ms(300), ctx.ms(300), false)
        if (answer) throw new CaseFailure(`${what} was answered (${answer.length} bytes: ${answer.subarray(0, 32).toString('hex')}); a malformed datagram must be dropped silently`)
      }
      const after = bindingRequest()
      const msg = await peer.mustAnswer(ctx, after.datagram, 'a Binding request after the malformed datagrams')
      checkSuccess(msg, after.transactionId, 'a Binding request after the malformed datagrams')
    },
  },
]
