import {connect as netConnect, isIP, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'
// http-parser-js is the JavaScript HTTP/1.x parser autocannon drives its connections with. The
// http scenario sends one fixed request per VU as fast as answers come, and there undici's
// per-request Request object, header processing and queueing measured ~2x the CPU of a plain
// socket with this parser (bench/peers http job); the parser is the well-kept part, only the
// keep-alive loop around it is ours.
import {HTTPParser} from 'http-parser-js'
import {ImhError} from '../../protocol/index.js'

/** One request, encoded once and sent as many times as the VU asks. */
export interface HttpRequestSpec {
  url: URL
  method: string
  headers: Record<string, string> | undefined
  body: Buffer | null
  /**
   * Bounds the connect, and every wait for the answer's next bytes: a request whose connection
   * moved no bytes for this long fails with IMH_ERR_TIMEOUT (noticed within a quarter more).
   */
  timeoutMs: number
  localAddress?: string
  tls: {ca?: string; rejectUnauthorized?: boolean}
}

/** How one exchange ended: an error, or the status and the body bytes received. */
export type HttpDone = (err: Error | undefined, status: number, bodyBytes: number) => void

/** The request's bytes: request line, Host, the profile's headers, a Content-Length for a body. */
export function encodeRequest(spec: Pick<HttpRequestSpec, 'url' | 'method' | 'headers' | 'body'>): Buffer {
  const {url, method, headers = {}, body} = spec
  const names = new Set(Object.keys(headers).map((n) => n.toLowerCase()))
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`
  if (!names.has('host')) head += `host: ${url.host}\r\n`
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`
  if (body && !names.has('content-length')) head += `content-length: ${body.length}\r\n`
  else if (!body && (method === 'POST' || method === 'PUT' || method === 'PATCH') && !names.has('content-length')) head += 'content-length: 0\r\n'
  if (!names.has('connection')) head += 'connection: keep-alive\r\n'
  const bytes = Buffer.from(`${head}\r\n`, 'latin1')
  return body ? Buffer.concat([bytes, body]) : bytes
}

/**
 * A VU's keep-alive HTTP/1.1 connection: one request at a time, the same bytes each time; a new
 * socket when the server closed the last one. Nothing is allocated per exchange but what the
 * parser does; the outcome goes to the one `done` callback.
 */
export class HttpConnection {
  readonly #spec: HttpRequestSpec
  readonly #request: Buffer
  readonly #done: HttpDone
  readonly #head: boolean
  #socket: Socket | undefined
  #parser: InstanceType<typeof HTTPParser> | undefined
  #inFlight = false
  #status = 0
  #bytes = 0
  #keepAlive = true
  #closing = false
  /** Bumped on every send, connect and read: the idle watch compares it across its ticks. */
  #progress = 0
  #watch: NodeJS.Timeout | undefined

  constructor(spec: HttpRequestSpec, done: HttpDone) {
    this.#spec = spec
    this.#request = encodeRequest(spec)
    this.#done = done
    this.#head = spec.method === 'HEAD'
  }

  /** Whether an exchange is waiting for its answer. */
  get busy(): boolean {
    return this.#inFlight
  }

  /** Sends the request; `done` is called once with its outcome. */
  send(): void {
    if (this.#inFlight) throw new Error('HttpConnection.send: an exchange is in flight')
    this.#inFlight = true
    // A send is progress too: the wait for this answer starts now, not at the watch's last tick.
    this.#progress++
    this.#status = 0
    this.#bytes = 0
    const socket = this.#socket ?? this.#open()
    // Before the connect completes, net queues the write.
    socket.write(this.#request)
  }

  /** Drops the connection; an exchange in flight ends with IMH_ERR_CONNECTION_CLOSED. */
  destroy(): void {
    this.#closing = true
    this.#socket?.destroy()
  }

  #open(): Socket {
    const {url, localAddress, tls} = this.#spec
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const secure = url.protocol === 'https:'
    const port = Number(url.port || (secure ? 443 : 80))
    // tls.connect hands localAddress on to net.connect; its options type does not list it.
    const tcp = {host, port, localAddress}
    const socket: Socket = secure
      ? tlsConnect({...tcp, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized ?? true, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1']})
      : netConnect(tcp)
    socket.setNoDelay(true)
    // Not socket.setTimeout: it re-arms a timer on every read and write, ~1.5% of a busy worker's
    // CPU (bench:peers http job, --cpu-prof). A tick every quarter of the time limit that finds
    // no progress four times in a row sees the same silence, at most a quarter late.
    this.#watchIdle(socket)
    socket.once('connect', () => this.#progress++)
    const parser = new HTTPParser(HTTPParser.RESPONSE)
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.#status = info.statusCode
      this.#keepAlive = info.shouldKeepAlive
      // A HEAD answer announces a body it does not send.
      return this.#head ? 1 : 0
    }
    parser[HTTPParser.kOnBody] = (_chunk, _offset, length) => {
      this.#bytes += length
    }
    parser[HTTPParser.kOnMessageComplete] = () => {
      // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
      if (this.#status >= 100 && this.#status < 200) return
      if (!this.#keepAlive) this.#forget(socket)
      this.#finish(undefined)
    }
    socket.on('data', (chunk: Buffer) => {
      this.#progress++
      if (this.#parser !== parser) return
      const r = parser.execute(chunk)
      if (r instanceof Error) this.#fail(socket, new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `${url.origin}: not an HTTP/1.1 answer (${r.message})`))
    })
    socket.on('error', (err) => this.#fail(socket, err))
    socket.on('close', () => {
      if (this.#socket !== socket) return
      // A body that runs to the close (no length, not chunked) ends here; the exchange that
      // completes forgets this socket, so the failure below does nothing.
      if (this.#inFlight) parser.finish()
      this.#fail(socket, new ImhError('IMH_ERR_CONNECTION_CLOSED', `${url.origin} closed the connection${this.#closing ? ' (closing)' : ''}`))
    })
    this.#socket = socket
    this.#parser = parser
    return socket
  }

  /** Fails the exchange in flight on `socket` once it moved no bytes for the time limit. */
  #watchIdle(socket: Socket): void {
    const {url, timeoutMs} = this.#spec
    let seen = -1
    let quiet = 0
    this.#watch = setInterval(
      () => {
        if (this.#socket !== socket) return
        if (!this.#inFlight || this.#progress !== seen) {
          seen = this.#progress
          quiet = 0
        } else if (++quiet >= 4) this.#fail(socket, new ImhError('IMH_ERR_TIMEOUT', `${url.origin}: no answer within ${timeoutMs} ms`))
      },
      Math.max(1, timeoutMs / 4),
    )
    this.#watch.unref()
  }

  /** This socket serves no more exchanges: the next send opens another. */
  #forget(socket: Socket): void {
    if (this.#socket !== socket) return
    clearInterval(this.#watch)
    this.#watch = undefined
    this.#socket = undefined
    this.#parser = undefined
    socket.end()
  }

  /** Ends this socket, and the exchange in flight with `err` if the socket still served it. */
  #fail(socket: Socket, err: Error): void {
    const current = this.#socket === socket
    this.#forget(socket)
    socket.destroy()
    if (current && this.#inFlight) this.#finish(err)
  }

  #finish(err: Error | undefined): void {
    this.#inFlight = false
    this.#done(err, this.#status, this.#bytes)
  }
}
