import {type RemoteInfo, type Socket, createSocket} from 'node:dgram'
import {isIPv6} from 'node:net'
import {
  ImhError, STUN_ATTR, isRelayDatagram, STUN_BINDING_ERROR, STUN_BINDING_REQUEST, STUN_BINDING_SUCCESS, type StunAttribute, decodeStun, encodeErrorCode,
  encodeSoftware, encodeStun, encodeUnknownAttributes, encodeXorMappedAddress, getStunAttribute, isComprehensionRequired, unmapIPv4,
} from '../../src/protocol/index.js'

/** SOFTWARE sent in every answer. */
export const STUN_SOFTWARE = 'imharness reference server'

/** Comprehension-required attributes the responder understands (or may ignore) in a Binding request. */
const KNOWN_REQUIRED = new Set<number>([
  STUN_ATTR.MAPPED_ADDRESS, STUN_ATTR.USERNAME, STUN_ATTR.MESSAGE_INTEGRITY, STUN_ATTR.ERROR_CODE, STUN_ATTR.UNKNOWN_ATTRIBUTES,
  STUN_ATTR.REALM, STUN_ATTR.NONCE, STUN_ATTR.XOR_MAPPED_ADDRESS,
  0x0024, // PRIORITY (ICE, RFC 8445): a Binding request of a connectivity check carries it.
  0x0025, // USE-CANDIDATE (ICE)
])

export interface StunPortsOptions {
  /** Address to bind; an IPv6 address (`::1`, `::`) binds udp6 sockets, anything else udp4. Default 127.0.0.1. */
  host?: string
  /** Ports to bind (0: ephemeral), or how many ephemeral ports. Default 1. */
  ports?: number[] | number
  /** SOFTWARE attribute of answers; empty string: none. */
  software?: string
  /**
   * Handler of relay datagrams (first byte's top bits 01, PROTOCOL.md §11.3) arriving on these
   * sockets; `socket` is the one it came in on. Without it every datagram goes to STUN.
   */
  relay?: (datagram: Buffer, from: RemoteInfo, socket: Socket) => void
}

export interface StunStats {
  /** Binding success responses sent. */
  answered: number
  /** 420 error responses sent (unknown comprehension-required attributes). */
  rejected: number
  /** Datagrams dropped without an answer: malformed (IMH_ERR_STUN_MALFORMED), not a Binding request. */
  dropped: number
}

export interface StunPorts {
  host: string
  /** The bound ports, in the order asked. */
  ports: number[]
  stats: StunStats
  close(): Promise<void>
}

function bind(socket: Socket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    socket.once('error', onError)
    socket.bind({address: host, port, exclusive: true}, () => {
      socket.off('error', onError)
      resolve(socket.address().port)
    })
  })
}

/** The answer to one datagram, or undefined to drop it (PROTOCOL.md §11.1). */
export function answerStun(datagram: Buffer, from: {address: string; port: number}, stats: StunStats, software = STUN_SOFTWARE): Buffer | undefined {
  let request
  try {
    request = decodeStun(datagram)
  } catch (err) {
    if (err instanceof ImhError) {
      stats.dropped++
      return undefined
    }
    throw err
  }
  if (request.type !== STUN_BINDING_REQUEST) {
    stats.dropped++
    return undefined
  }
  const fingerprint = getStunAttribute(request, STUN_ATTR.FINGERPRINT) !== undefined
  const attributes: StunAttribute[] = []
  const unknown = [...new Set(request.attributes.filter((a) => isComprehensionRequired(a.type) && !KNOWN_REQUIRED.has(a.type)).map((a) => a.type))]
  if (unknown.length > 0) {
    attributes.push({type: STUN_ATTR.ERROR_CODE, value: encodeErrorCode({code: 420, reason: 'Unknown Attribute'})})
    attributes.push({type: STUN_ATTR.UNKNOWN_ATTRIBUTES, value: encodeUnknownAttributes(unknown)})
    stats.rejected++
  } else {
    const address = unmapIPv4(from.address)
    attributes.push({type: STUN_ATTR.XOR_MAPPED_ADDRESS, value: encodeXorMappedAddress({family: isIPv6(address) ? 'IPv6' : 'IPv4', address, port: from.port}, request.transactionId)})
    stats.answered++
  }
  if (software) attributes.push({type: STUN_ATTR.SOFTWARE, value: encodeSoftware(software)})
  return encodeStun({type: unknown.length > 0 ? STUN_BINDING_ERROR : STUN_BINDING_SUCCESS, transactionId: request.transactionId, attributes}, {fingerprint})
}

/** Binds one UDP socket per port and answers STUN Binding requests on each (PROTOCOL.md §11.1). */
export async function createStunPorts(options: StunPortsOptions = {}): Promise<StunPorts> {
  const host = options.host ?? '127.0.0.1'
  const wanted = typeof options.ports === 'number' ? Array<number>(options.ports).fill(0) : (options.ports ?? [0])
  if (wanted.length === 0 || wanted.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN ports must be one or more integers from 0 to 65535, got ${JSON.stringify(options.ports)}`, {option: 'ports'})
  }
  const software = options.software ?? STUN_SOFTWARE
  const relay = options.relay
  const stats: StunStats = {answered: 0, rejected: 0, dropped: 0}
  const sockets: Socket[] = []
  const close = () =>
    Promise.all(
      sockets.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve())
            } catch {
              resolve()
            }
          }),
      ),
    ).then(() => undefined)
  const ports: number[] = []
  try {
    for (const port of wanted) {
      const socket = createSocket({type: isIPv6(host) ? 'udp6' : 'udp4'})
      sockets.push(socket)
      ports.push(await bind(socket, host, port))
      socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
        // One dispatcher per socket: relay by the first byte (RFC 7983 style), STUN otherwise.
        if (relay && isRelayDatagram(msg)) return relay(msg, rinfo, socket)
        const answer = answerStun(msg, rinfo, stats, software)
        if (answer) socket.send(answer, rinfo.port, rinfo.address)
      })
      // A send error (ICMP unreachable reported on the next call, EHOSTUNREACH) concerns one peer only.
      socket.on('error', () => {})
    }
  } catch (err) {
    await close()
    throw err
  }
  return {host, ports, stats, close}
}
