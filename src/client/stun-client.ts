import {type RemoteInfo, type Socket, createSocket} from 'node:dgram'
import {isIPv6} from 'node:net'
import {
  ImhError, STUN_ATTR, STUN_BINDING_REQUEST, STUN_CLASS, STUN_METHOD, type StunAddress, type StunErrorCode, decodeErrorCode, decodeStun,
  encodeStun, getStunAttribute, mappedAddressOf, newTransactionId, unmapIPv4,
} from '../protocol/index.js'

/** RFC 5389 §7.2.1 defaults: initial RTO 500 ms, doubled per retransmission; Rc = 7 sends; Rm = 16. */
export const STUN_DEFAULT_RTO_MS = 500
export const STUN_DEFAULT_MAX_SENDS = 7
export const STUN_DEFAULT_FINAL_WAIT_FACTOR = 16

export interface StunServer {
  host: string
  port: number
}

export interface StunProbeOptions {
  /** Servers to ask: `udp://host:port` (the relay group of the scheduler answer) or {host, port}. */
  servers: (string | StunServer)[]
  /** Bind a new socket here (default 0.0.0.0, or :: when the first server is IPv6). Ignored with `socket`. */
  localAddress?: string
  /** Default 0: ephemeral. Ignored with `socket`. */
  localPort?: number
  /** An already bound socket to probe from (kept open afterwards): the port voice will use. */
  socket?: Socket
  /** Initial retransmission timeout; doubled after each send. */
  rtoMs?: number
  /** Rc: sends of one request, the first included. */
  maxSends?: number
  /** Rm: after the last send, wait this many initial RTOs before giving up. */
  finalWaitFactor?: number
  /** Add FINGERPRINT to requests (default true). */
  fingerprint?: boolean
}

export interface StunProbeResult {
  server: StunServer
  answered: boolean
  /** Requests sent for this server (1 + retransmissions). */
  sends: number
  /** ms from the FIRST send of the transaction to the answer. With retransmissions (sends > 1 at answer time) it may include lost-request time (Karn). */
  rttMs?: number
  /** The answer came after at least one retransmission, so rttMs is an upper bound. */
  retransmitted?: boolean
  /** The address the server saw: XOR-MAPPED-ADDRESS (MAPPED-ADDRESS from a legacy server). */
  mapped?: StunAddress
  /** An error response instead of a success. */
  error?: StunErrorCode
  /** The request could not be sent (unreachable, wrong address family) or the answer was unusable. */
  failure?: string
  timedOut: boolean
  /** Order among answers: 0 for the first server that answered. */
  answerRank?: number
}

export interface StunProbe {
  /** The local address and port every request went out from. */
  local: StunAddress
  /** One entry per server, in the order given. */
  results: StunProbeResult[]
  /** Datagrams received that matched no transaction (late duplicates, strangers). */
  ignored: number
  /** The path to use: the first server that answered with a mapped address (PROTOCOL.md §11.1). */
  pickPath(): StunProbeResult | undefined
}

export function parseStunServer(server: string | StunServer): StunServer {
  if (typeof server !== 'string') return server
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN server "${server}" is not a udp://host:port URL`, {option: 'servers'})
  }
  if (url.protocol !== 'udp:' || url.hostname === '' || url.port === '') {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `STUN server "${server}" is not a udp://host:port URL`, {option: 'servers'})
  }
  return {host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port)}
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 1) throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${name} must be a positive integer, got ${value}`, {option: name})
  return v
}

async function bindSocket(address: string, port: number): Promise<Socket> {
  const socket = createSocket({type: isIPv6(address) ? 'udp6' : 'udp4'})
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({address, port}, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return socket
}

/**
 * Sends one Binding request to every server from ONE socket, retransmitting per RFC 5389 §7.2.1
 * (PROTOCOL.md §11.1), and resolves when every server answered or ran out of time.
 */
export async function probeStun(options: StunProbeOptions): Promise<StunProbe> {
  const servers = options.servers.map(parseStunServer)
  if (servers.length === 0) throw new ImhError('IMH_ERR_INVALID_OPTION', 'probeStun needs at least one server', {option: 'servers'})
  const rto = positiveInt('rtoMs', options.rtoMs, STUN_DEFAULT_RTO_MS)
  const maxSends = positiveInt('maxSends', options.maxSends, STUN_DEFAULT_MAX_SENDS)
  const finalWait = positiveInt('finalWaitFactor', options.finalWaitFactor, STUN_DEFAULT_FINAL_WAIT_FACTOR) * rto
  const fingerprint = options.fingerprint ?? true
  const owned = !options.socket
  const socket = options.socket ?? (await bindSocket(options.localAddress ?? (isIPv6(servers[0]!.host) ? '::' : '0.0.0.0'), options.localPort ?? 0))
  const bound = socket.address()
  const local: StunAddress = {family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4', address: bound.address, port: bound.port}

  interface Transaction {
    result: StunProbeResult
    request: Buffer
    firstSentAt: number
    timer: NodeJS.Timeout | undefined
    done: boolean
  }
  const pending = new Map<string, Transaction>()
  const results: StunProbeResult[] = []
  let ignored = 0
  let answers = 0
  let settle: () => void = () => {}
  const allDone = new Promise<void>((resolve) => (settle = resolve))
  const finish = (t: Transaction) => {
    if (t.done) return
    t.done = true
    clearTimeout(t.timer)
    if ([...pending.values()].every((x) => x.done)) settle()
  }

  const onMessage = (datagram: Buffer, rinfo: RemoteInfo) => {
    let msg
    try {
      msg = decodeStun(datagram)
    } catch {
      ignored++
      return
    }
    const t = pending.get(msg.transactionId.toString('hex'))
    if (!t || t.done || msg.method !== STUN_METHOD.BINDING || (msg.cls !== STUN_CLASS.SUCCESS && msg.cls !== STUN_CLASS.ERROR)) {
      ignored++
      return
    }
    // A response must come from the address the request went to (RFC 5389 §7.3.3 leaves this to
    // the application; a spoofed answer from elsewhere is ignored).
    if (rinfo.port !== t.result.server.port) {
      ignored++
      return
    }
    const r = t.result
    r.rttMs = Date.now() - t.firstSentAt
    r.retransmitted = r.sends > 1
    r.timedOut = false
    try {
      if (msg.cls === STUN_CLASS.SUCCESS) {
        const mapped = mappedAddressOf(msg)
        if (!mapped) r.failure = 'success response without XOR-MAPPED-ADDRESS or MAPPED-ADDRESS'
        else {
          r.mapped = {...mapped, address: unmapIPv4(mapped.address), family: isIPv6(unmapIPv4(mapped.address)) ? 'IPv6' : 'IPv4'}
          r.answered = true
          r.answerRank = answers++
        }
      } else {
        const code = getStunAttribute(msg, STUN_ATTR.ERROR_CODE)
        r.error = code ? decodeErrorCode(code.value) : {code: 0, reason: 'error response without ERROR-CODE'}
      }
    } catch (err) {
      r.failure = (err as Error).message
    }
    finish(t)
  }
  const onError = () => {}
  socket.on('message', onMessage)
  socket.on('error', onError)

  const send = (t: Transaction) => {
    t.result.sends++
    socket.send(t.request, t.result.server.port, t.result.server.host, (err) => {
      if (err && !t.done) {
        t.result.failure = `send failed: ${err.message}`
        t.result.timedOut = false
        finish(t)
      }
    })
  }
  const schedule = (t: Transaction, sentSoFar: number, interval: number) => {
    if (sentSoFar >= maxSends) {
      t.timer = setTimeout(() => {
        t.result.timedOut = true
        finish(t)
      }, finalWait)
      return
    }
    t.timer = setTimeout(() => {
      if (t.done) return
      send(t)
      schedule(t, sentSoFar + 1, interval * 2)
    }, interval)
  }

  for (const server of servers) {
    const transactionId = newTransactionId()
    const result: StunProbeResult = {server, answered: false, sends: 0, timedOut: false}
    results.push(result)
    const t: Transaction = {result, request: encodeStun({type: STUN_BINDING_REQUEST, transactionId}, {fingerprint}), firstSentAt: Date.now(), timer: undefined, done: false}
    pending.set(transactionId.toString('hex'), t)
  }
  for (const t of pending.values()) {
    t.firstSentAt = Date.now()
    send(t)
    schedule(t, 1, rto)
  }
  try {
    await allDone
  } finally {
    for (const t of pending.values()) clearTimeout(t.timer)
    socket.off('message', onMessage)
    socket.off('error', onError)
    if (owned) await new Promise<void>((resolve) => socket.close(() => resolve()))
  }
  return {
    local,
    results,
    get ignored() {
      return ignored
    },
    pickPath() {
      return results.filter((r) => r.answered).sort((a, b) => a.answerRank! - b.answerRank!)[0]
    },
  }
}
