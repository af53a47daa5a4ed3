import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {createServer as createNetServer, type AddressInfo, type Server, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {HttpConnection, encodeRequest, type HttpRequestSpec} from './http-connection.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => {
    ;(s as {closeAllConnections?: () => void}).closeAllConnections?.()
    s.close(r)
  })))
})

async function listen(server: Server): Promise<URL> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`)
}

function http(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{url: URL; sockets: () => number}> {
  let sockets = 0
  const server = createHttpServer(handler)
  server.on('connection', () => sockets++)
  return listen(server).then((url) => ({url, sockets: () => sockets}))
}

/** A raw TCP server: `onData` answers whatever bytes it likes. */
function raw(onData: (socket: Socket, data: Buffer) => void): Promise<URL> {
  return listen(createNetServer((socket) => socket.on('data', (d) => onData(socket, d)).on('error', () => {})))
}

const spec = (url: URL, extra: Partial<HttpRequestSpec> = {}): HttpRequestSpec => ({url, method: 'GET', headers: undefined, body: null, timeoutMs: 2000, tls: {}, ...extra})

interface Outcome { err?: Error; status: number; bytes: number }

/** Sends `times` requests one after another; resolves with every outcome. */
function exchange(conn: (done: (o: Outcome) => void) => HttpConnection, times = 1): Promise<Outcome[]> {
  return new Promise((resolve) => {
    const out: Outcome[] = []
    const c = conn((o) => {
      out.push(o)
      if (out.length === times) resolve(out)
      else c.send()
    })
    c.send()
  })
}

const connect = (s: HttpRequestSpec) => (done: (o: Outcome) => void) => new HttpConnection(s, (err, status, bytes) => done({err, status, bytes}))

describe('HttpConnection', () => {
  it('sends the same request back to back on one keep-alive socket, counting each body (sized and chunked)', async () => {
    let n = 0
    const {url, sockets} = await http((req, res) => {
      expect(req.url).toBe('/path?q=1')
      if (n++ % 2) res.end('hello') // chunked: no length set
      else res.writeHead(201, {'content-length': 3}).end('abc')
    })
    const out = await exchange(connect(spec(url)), 6)
    expect(out.map((o) => [o.err, o.status, o.bytes])).toEqual([[undefined, 201, 3], [undefined, 200, 5], [undefined, 201, 3], [undefined, 200, 5], [undefined, 201, 3], [undefined, 200, 5]])
    expect(sockets()).toBe(1)
  })

  it('opens a new socket after an answer with Connection: close, and ends a body that runs to the close', async () => {
    const url = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil-close'))
    const out = await exchange(connect(spec(url)), 3)
    expect(out).toEqual([{err: undefined, status: 200, bytes: 11}, {err: undefined, status: 200, bytes: 11}, {err: undefined, status: 200, bytes: 11}])
  })

  it('does not wait for the body a HEAD answer announces, and skips 1xx answers', async () => {
    const {url} = await http((req, res) => {
      if (req.method === 'HEAD') return res.writeHead(200, {'content-length': 1000}).end()
      res.writeContinue()
      res.end('ok')
    })
    expect(await exchange(connect(spec(url, {method: 'HEAD'})), 2)).toEqual([{err: undefined, status: 200, bytes: 0}, {err: undefined, status: 200, bytes: 0}])
    expect(await exchange(connect(spec(url)))).toEqual([{err: undefined, status: 200, bytes: 2}])
  })

  it('sends a body with its length and the profile headers', async () => {
    let seen: unknown
    const {url} = await http((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d)).on('end', () => {
        seen = {method: req.method, length: req.headers['content-length'], token: req.headers['x-token'], body}
        res.end()
      })
    })
    await exchange(connect(spec(url, {method: 'POST', headers: {'x-token': 'abc'}, body: Buffer.from('{"a":1}')})), 2)
    expect(seen).toEqual({method: 'POST', length: '7', token: 'abc', body: '{"a":1}'})
  })

  it('gives coded errors: no answer in time, not HTTP, closed mid-answer, refused', async () => {
    const silent = await raw(() => {})
    const garbage = await raw((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'))
    const cut = await raw((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort'))
    const code = async (s: HttpRequestSpec) => ((await exchange(connect(s)))[0]!.err as {code?: string}).code
    expect(await code(spec(silent, {timeoutMs: 200}))).toBe('IMH_ERR_TIMEOUT')
    expect(await code(spec(garbage))).toBe('IMH_ERR_PROTOCOL_VIOLATION')
    expect(await code(spec(cut))).toBe('IMH_ERR_CONNECTION_CLOSED')
    expect(await code(spec(new URL('http://127.0.0.1:1/')))).toBe('ECONNREFUSED')
  })
})

describe('HttpConnection time limit', () => {
  it('bounds each wait for the next bytes, not the whole answer: a slow answer that keeps coming succeeds', async () => {
    // 5 body bytes 120 ms apart against a 300 ms limit: 600 ms in all, never 300 ms silent.
    const trickle = await raw((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n')
      let n = 0
      const t = setInterval(() => {
        if (++n < 5) return void socket.write('x')
        clearInterval(t)
        socket.end('x')
      }, 120)
      socket.on('close', () => clearInterval(t))
    })
    const [o] = await exchange(connect(spec(trickle, {timeoutMs: 300})))
    expect(o!.err).toBeUndefined()
    expect(o!.bytes).toBe(5)
  })
})

describe('HttpConnection time limit, on a kept-alive connection', () => {
  it('never fails a request before the time limit has passed since it was sent', async () => {
    // The first request is answered, the second is not; it goes out a tick and a half of the
    // watch (limit / 4) after the first answer, between two ticks.
    let requests = 0
    const url = await raw((socket) => {
      if (++requests === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')
    })
    const limit = 400
    let second = 0
    const outcome = await new Promise<Outcome & {afterMs: number}>((resolve) => {
      let n = 0
      const c = new HttpConnection(spec(url, {timeoutMs: limit}), (err, status, bytes) => {
        if (++n === 1) {
          setTimeout(() => {
            second = performance.now()
            c.send()
          }, limit * 0.375)
          return
        }
        c.destroy()
        resolve({err, status, bytes, afterMs: performance.now() - second})
      })
      c.send()
    })
    expect((outcome.err as {code?: string}).code).toBe('IMH_ERR_TIMEOUT')
    expect(outcome.afterMs).toBeGreaterThanOrEqual(limit - 1)
  })
})

describe('encodeRequest', () => {
  it('writes Host and keep-alive unless the profile sets them, and a zero length for an empty POST', () => {
    expect(encodeRequest({url: new URL('http://[::1]:8080/a?b'), method: 'GET', headers: undefined, body: null}).toString()).toBe('GET /a?b HTTP/1.1\r\nhost: [::1]:8080\r\nconnection: keep-alive\r\n\r\n')
    expect(encodeRequest({url: new URL('http://x/'), method: 'POST', headers: {Host: 'y', Connection: 'close'}, body: null}).toString()).toBe('POST / HTTP/1.1\r\nHost: y\r\nConnection: close\r\ncontent-length: 0\r\n\r\n')
  })
})
