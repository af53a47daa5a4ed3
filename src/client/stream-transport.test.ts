import {type AddressInfo, type Server, type Socket, createServer} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {CMD, type Frame, FrameStreamDecoder, ImhError, PUSH_SEQ, encodeFrame, errorBody, isImhError, parseJsonBody} from '../protocol/index.js'
import {longUrlsFor, transportOf} from './link-transport.js'
import {LongLink} from './long-link.js'
import {STREAM_CLOSE, streamAddress} from './stream-transport.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** A TCP server of the codec's own: `serve` gets each frame a connection sends, split from the stream. */
async function frameServer(serve: (socket: Socket, frame: Frame) => void): Promise<{url: string; server: Server}> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    const decoder = new FrameStreamDecoder()
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) serve(socket, f)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => new Promise((r) => {
    for (const s of sockets) s.destroy()
    server.close(r)
  }))
  return {url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`, server}
}

/** Writes `bytes` in pieces of `size` bytes, each in its own turn of the event loop (its own read). */
async function trickle(socket: Socket, bytes: Buffer, size: number): Promise<void> {
  for (let at = 0; at < bytes.length; at += size) {
    socket.write(bytes.subarray(at, at + size))
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('LongLink over a TCP stream', () => {
  it('matches replies that arrive split across reads, and several frames in one read', async () => {
    // Replies one after the other, so that a trickled one is not cut by the next.
    let queue = Promise.resolve()
    const {url} = await frameServer((socket, f) => {
      queue = queue.then(() => f.cmd === CMD.SYNC
        // A push and the reply in one write.
        ? void socket.write(Buffer.concat([encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ), encodeFrame(CMD.SYNC, f.seq, {echo: f.seq})]))
        // One byte at a time, header and body.
        : trickle(socket, encodeFrame(f.cmd, f.seq, {echo: f.seq, pad: 'x'.repeat(40)}), 1))
    })
    const link = await LongLink.connect(url)
    closers.push(() => link.terminate())
    expect(link.transportKind).toBe('tcp')
    expect(link.url).toBe(url)
    const pushes: Frame[] = []
    link.on('push', (f) => pushes.push(f))
    const replies = await Promise.all([link.request(CMD.NOOP), link.request(CMD.SYNC), link.request(CMD.NOOP)])
    expect(replies.map((f) => [f.cmd, (parseJsonBody(f.body) as {echo: number}).echo])).toEqual([[CMD.NOOP, 1], [CMD.SYNC, 2], [CMD.NOOP, 3]])
    expect(pushes.map((f) => f.cmd)).toEqual([CMD.SYNC_NOTIFY])
    expect(link.pendingRequests).toBe(0)
  })

  it('closes with the code a WebSocket server would send after a fatal ERROR frame', async () => {
    const {url} = await frameServer((socket, f) => {
      socket.end(encodeFrame(CMD.ERROR, f.seq, errorBody(new ImhError('IMH_ERR_NOT_AUTHENTICATED', 'AUTH first'))))
    })
    const link = await LongLink.connect(url)
    const err = await link.request(CMD.NOOP).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_NOT_AUTHENTICATED')).toBe(true)
    expect(await link.waitClose(5000)).toEqual({code: 4100, reason: 'IMH_ERR_NOT_AUTHENTICATED'})
  })

  it('reports an end without an ERROR as 1005, and fails pending requests as closed', async () => {
    const {url} = await frameServer((socket) => socket.end())
    const link = await LongLink.connect(url)
    const err = await link.request(CMD.NOOP).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_CONNECTION_CLOSED')).toBe(true)
    expect(link.closed?.code).toBe(STREAM_CLOSE.ENDED)
  })

  it('ends the stream on bytes that are no frame, and says so', async () => {
    const {url} = await frameServer((socket) => socket.write(Buffer.alloc(24, 0xff)))
    const link = await LongLink.connect(url)
    const bad: Error[] = []
    link.on('bad-frame', (e) => bad.push(e))
    link.sendFrame(CMD.NOOP, link.nextSeq())
    const info = await link.waitClose(5000)
    expect(info.code).toBe(STREAM_CLOSE.BAD_FRAME)
    expect(bad.map((e) => (e as {code?: string}).code)).toEqual(['IMH_ERR_BAD_HEAD_LEN'])
  })

  it('closes in order: the server sees the end and the link reports the code asked for', async () => {
    let ended!: () => void
    const serverSawEnd = new Promise<void>((r) => (ended = r))
    const {server, url} = await frameServer((socket, f) => socket.write(encodeFrame(f.cmd, f.seq)))
    server.on('connection', (s) => s.on('end', () => ended()))
    const link = await LongLink.connect(url)
    await link.request(CMD.NOOP)
    link.close(1000)
    await serverSawEnd
    expect((await link.waitClose(5000)).code).toBe(1000)
  })

  it('fails to connect with a coded error, and refuses an address without a port', async () => {
    const {server, url} = await frameServer(() => undefined)
    await new Promise((r) => server.close(r))
    expect(isImhError(await LongLink.connect(url, {connectTimeoutMs: 2000}).catch((e: unknown) => e), 'IMH_ERR_CONNECT_FAILED')).toBe(true)
    expect(isImhError(await LongLink.connect('tcp://127.0.0.1', {connectTimeoutMs: 2000}).catch((e: unknown) => e), 'IMH_ERR_INVALID_OPTION')).toBe(true)
    expect(isImhError(await LongLink.connect('http://127.0.0.1:1/', {connectTimeoutMs: 2000}).catch((e: unknown) => e), 'IMH_ERR_INVALID_OPTION')).toBe(true)
  })
})

describe('transport addresses', () => {
  it('tells the transport by scheme and parses stream addresses', () => {
    expect(['ws://h/x', 'WSS://h', 'tcp://h:1', 'tls://h:2', 'http://h'].map(transportOf)).toEqual(['ws', 'ws', 'tcp', 'tcp', undefined])
    expect(streamAddress('tls://[::1]:9443')).toEqual({host: '::1', port: 9443, tls: true})
    expect(streamAddress('tcp://example.org:9000')).toEqual({host: 'example.org', port: 9000, tls: false})
  })

  it('keeps the group order without a transport, filters by one, and names the missing one', () => {
    const long = ['ws://a/long', 'wss://b/long', 'tcp://a:1', 'tls://b:2']
    expect(longUrlsFor(long, undefined)).toBe(long)
    expect(longUrlsFor(long, 'tcp')).toEqual(['tcp://a:1', 'tls://b:2'])
    expect(longUrlsFor(long, 'ws')).toEqual(['ws://a/long', 'wss://b/long'])
    let err: unknown
    try {
      longUrlsFor(['ws://a/long'], 'tcp')
    } catch (e) {
      err = e
    }
    expect(isImhError(err, 'IMH_ERR_NO_TRANSPORT')).toBe(true)
    expect((err as Error).message).toMatch(/no tcp:\/\/ or tls:\/\/ address \(it lists ws:\/\/a\/long\)/)
  })
})
