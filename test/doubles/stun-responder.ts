import {type RemoteInfo, type Socket, createSocket} from 'node:dgram'
import {type Server, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {startEmbeddedTarget} from '../../reference-server/conform-target.js'
import {
  STUN_ATTR, STUN_BINDING_ERROR, type StunAttribute, decodeStun, encodeErrorCode, encodeMappedAddress, encodeStun, getStunAttribute,
  mappedAddressOf,
} from '../../src/protocol/index.js'
import type {ReferenceServer} from '../../reference-server/index.js'
import {type StunStats, answerStun} from '../../reference-server/talk/stun-server.js'

export interface StunDatagram {
  datagram: Buffer
  from: {address: string; port: number}
  /** Which of the double's ports got it: 0 for the first. */
  portIndex: number
}

/** What the double sends back: `answer()` is the reference answer (answerStun); undefined drops. */
export type StunTamper = (req: StunDatagram, answer: () => Buffer | undefined) => Buffer | undefined

export interface StunDouble {
  /** The scheduler to run the suite against: the reference answer, its relay group replaced by the double's ports. */
  scheduler: string
  ports: number[]
  real: ReferenceServer
  close(): Promise<void>
}

/**
 * A broken relay group: UDP ports on 127.0.0.1 answering STUN with the reference responder
 * (answerStun), through `tamper`, which plants the bug. The reference server's scheduler answer
 * is served with its relay group pointing at these ports instead of the real ones.
 */
export async function startStunDouble(tamper: StunTamper = (_req, answer) => answer(), options: {ports?: number} = {}): Promise<StunDouble> {
  const real = await startEmbeddedTarget()
  const stats: StunStats = {answered: 0, rejected: 0, dropped: 0}
  const sockets: Socket[] = []
  const ports: number[] = []
  for (let i = 0; i < (options.ports ?? 3); i++) {
    const socket = createSocket('udp4')
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()))
    socket.on('error', () => {})
    const portIndex = i
    socket.on('message', (datagram: Buffer, rinfo: RemoteInfo) => {
      const from = {address: rinfo.address, port: rinfo.port}
      const out = tamper({datagram, from, portIndex}, () => answerStun(datagram, from, stats))
      if (out) socket.send(out, rinfo.port, rinfo.address)
    })
    sockets.push(socket)
    ports.push(socket.address().port)
  }
  const scheduler: Server = createServer((_req, res) => {
    void (async () => {
      const answer = (await (await fetch(real.urls.scheduler)).json()) as {groups: Record<string, string[]>}
      answer.groups.relay = ports.map((p) => `udp://127.0.0.1:${p}`)
      res.writeHead(200, {'content-type': 'application/json'})
      res.end(JSON.stringify(answer))
    })()
  })
  await new Promise<void>((r) => scheduler.listen(0, '127.0.0.1', r))
  return {
    scheduler: `http://127.0.0.1:${(scheduler.address() as AddressInfo).port}/dns`,
    ports,
    real,
    async close() {
      for (const s of sockets) await new Promise<void>((r) => s.close(() => r()))
      scheduler.closeAllConnections()
      await new Promise((r) => scheduler.close(r))
      await real.close()
    },
  }
}

/** Re-encodes an answer with its attributes changed by `edit`; FINGERPRINT is recomputed when it had one unless `fingerprint` says otherwise. */
function rewrite(answer: Buffer, edit: (attrs: StunAttribute[]) => StunAttribute[], fingerprint?: boolean): Buffer {
  const msg = decodeStun(answer)
  const hadFp = getStunAttribute(msg, STUN_ATTR.FINGERPRINT) !== undefined
  const attributes = edit(msg.attributes.filter((a) => a.type !== STUN_ATTR.FINGERPRINT).map(({type, value}) => ({type, value})))
  return encodeStun({type: msg.type, transactionId: msg.transactionId, attributes}, {fingerprint: fingerprint ?? hadFp})
}

/** (a) Writes the source address un-XORed into XOR-MAPPED-ADDRESS (a MAPPED-ADDRESS body under the XOR type). */
export const plainMappedAddress: StunTamper = (_req, answer) => {
  const a = answer()
  if (!a) return undefined
  const mapped = mappedAddressOf(decodeStun(a))
  if (!mapped) return a
  return rewrite(a, (attrs) => attrs.map((x) => (x.type === STUN_ATTR.XOR_MAPPED_ADDRESS ? {type: x.type, value: encodeMappedAddress(mapped)} : x)))
}

/** (b) Answers on its first port only; the others are bound but silent. */
export const firstPortOnly: StunTamper = (req, answer) => (req.portIndex === 0 ? answer() : undefined)

/** (c1) Never puts FINGERPRINT in an answer. */
export const dropFingerprint: StunTamper = (_req, answer) => {
  const a = answer()
  return a && rewrite(a, (attrs) => attrs, false)
}

/** (c2) Puts a FINGERPRINT in every answer that had one, off by one bit. */
export const wrongFingerprint: StunTamper = (_req, answer) => {
  const a = answer()
  if (!a || !getStunAttribute(decodeStun(a), STUN_ATTR.FINGERPRINT)) return a
  const out = Buffer.from(a)
  out.writeUInt8(out.readUInt8(out.length - 1) ^ 0x01, out.length - 1)
  return out
}

/** (d) Answers a datagram it cannot decode with a 400 error response instead of dropping it. */
export const answersMalformed: StunTamper = (req, answer) => {
  try {
    decodeStun(req.datagram)
  } catch {
    const transactionId = Buffer.alloc(12)
    if (req.datagram.length >= 20) req.datagram.copy(transactionId, 0, 8, 20)
    return encodeStun({type: STUN_BINDING_ERROR, transactionId, attributes: [{type: STUN_ATTR.ERROR_CODE, value: encodeErrorCode({code: 400, reason: 'Bad Request'})}]})
  }
  return answer()
}
