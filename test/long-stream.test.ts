import {connect} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {CMD, encodeFrame, parseJsonBody} from '../src/protocol/index.js'
import {RawStream} from '../src/conform/cases/stream-util.js'
import {type ReferenceServer, type ServerLimits, startReferenceServer} from '../reference-server/index.js'
import {selfSignedCert} from './tls-cert.js'

const servers: ReferenceServer[] = []
const streams: RawStream[] = []
afterEach(async () => {
  for (const s of streams.splice(0)) s.destroy()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(limits: Partial<ServerLimits> = {}, tls?: {cert: Buffer; key: Buffer}): Promise<ReferenceServer> {
  const server = await startReferenceServer({flows: ['core'], limits, tls})
  servers.push(server)
  return server
}

async function token(server: ReferenceServer, name: string): Promise<{token: string; userId: string}> {
  const user = (await server.store.createUser(name, 'h'))!
  return {token: await server.store.issueToken(user.userId), userId: user.userId}
}

async function open(server: ReferenceServer, options = {}): Promise<RawStream> {
  const s = await RawStream.connect(server.urls.longTcp, options)
  streams.push(s)
  return s
}

const codeOf = (body: Buffer): string => (parseJsonBody(body) as {code: string}).code

describe('the long link over a byte stream (PROTOCOL.md §4.2)', () => {
  it('is listed in the long group after the WebSocket address, and serves AUTH, NOOP, SEND_MSG and SYNC', async () => {
    const server = await serve()
    expect(server.groups.long).toEqual([server.urls.long, server.urls.longTcp])
    expect(server.urls.longTcp).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
    const a = await token(server, 'a')
    const b = await token(server, 'b')
    const s = await open(server)
    s.write(encodeFrame(CMD.AUTH, 1, {token: a.token}))
    const auth = await s.find((f) => f.seq === 1, 5000)
    expect(auth?.cmd).toBe(CMD.AUTH)
    expect(server.connections).toBe(1)
    s.write(Buffer.concat([encodeFrame(CMD.NOOP, 2), encodeFrame(CMD.SEND_MSG, 3, {clientMsgId: 'm1', to: b.userId, type: 'text', content: 'hi'})]))
    await s.until(() => s.frames.length === 3, 5000)
    expect(s.frames.slice(1).map((f) => [f.cmd, f.seq])).toEqual([[CMD.NOOP, 2], [CMD.SEND_MSG, 3]])
    // The receiver on the stream gets the notify and pulls.
    const r = await open(server)
    r.write(encodeFrame(CMD.AUTH, 1, {token: b.token}))
    await r.find((f) => f.cmd === CMD.AUTH, 5000)
    r.write(encodeFrame(CMD.SYNC, 2, {syncKey: {epoch: 0, seq: 0}}))
    const sync = await r.find((f) => f.cmd === CMD.SYNC, 5000)
    expect((parseJsonBody(sync!.body) as {messages: {content: string}[]}).messages.map((m) => m.content)).toEqual(['hi'])
  })

  it('puts a frame together from a header and body split byte by byte', async () => {
    const server = await serve()
    const s = await open(server)
    const auth = encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token})
    await s.writeSplit(auth, Array(auth.length).fill(1))
    expect((await s.find((f) => f.seq === 1, 5000))?.cmd).toBe(CMD.AUTH)
  })

  it('answers the frames before a bad header in the same write, then the framing error, then closes', async () => {
    const server = await serve()
    const s = await open(server)
    const bad = encodeFrame(CMD.NOOP, 3)
    bad.writeUInt32BE(7, 4)
    s.write(Buffer.concat([encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token}), encodeFrame(CMD.NOOP, 2), bad, encodeFrame(CMD.NOOP, 4)]))
    expect(await s.waitClose(5000)).toBe(true)
    expect(s.frames.map((f) => [f.cmd, f.seq])).toEqual([[CMD.AUTH, 1], [CMD.NOOP, 2], [CMD.ERROR, 0]])
    expect(codeOf(s.frames[2]!.body)).toBe('IMH_ERR_BAD_VERSION')
  })

  it('refuses a header that announces a body over maxBodyBytes before the body comes', async () => {
    const server = await serve({maxBodyBytes: 1024})
    const s = await open(server)
    const head = encodeFrame(CMD.AUTH, 1)
    head.writeUInt32BE(1025, 16)
    s.write(head)
    expect(await s.waitClose(5000)).toBe(true)
    expect(s.frames.map((f) => codeOf(f.body))).toEqual(['IMH_ERR_FRAME_TOO_LARGE'])
  })

  it('ends a link whose frame is not complete within frameTimeoutMs with IMH_ERR_FRAME_TIMEOUT, and serves a slower trickle that makes it', async () => {
    const server = await serve({frameTimeoutMs: 300})
    const slow = await open(server)
    const t0 = performance.now()
    slow.write(encodeFrame(CMD.AUTH, 1, {token: 'x'.repeat(20)}).subarray(0, 30))
    expect(await slow.waitClose(3000)).toBe(true)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250)
    expect(slow.frames.map((f) => [f.cmd, f.seq, codeOf(f.body)])).toEqual([[CMD.ERROR, 0, 'IMH_ERR_FRAME_TIMEOUT']])
    // 10 pieces 15 ms apart: within the time-out for the frame, and so for every one of a series.
    const ok = await open(server)
    const auth = encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token})
    await ok.writeSplit(auth, Array(10).fill(Math.ceil(auth.length / 10)), 15)
    for (let seq = 2; seq < 5; seq++) await ok.writeSplit(encodeFrame(CMD.NOOP, seq), [7, 7, 6], 40)
    await ok.until(() => ok.frames.length === 4, 3000)
    expect(ok.frames.map((f) => [f.cmd, f.seq])).toEqual([[CMD.AUTH, 1], [CMD.NOOP, 2], [CMD.NOOP, 3], [CMD.NOOP, 4]])
  })

  it('processes nothing after a fatal error and closes, however much follows', async () => {
    const server = await serve()
    const s = await open(server)
    s.write(Buffer.concat([encodeFrame(CMD.NOOP, 1), Buffer.alloc(64 * 1024, 0xff), encodeFrame(CMD.NOOP, 2)]))
    expect(await s.waitClose(5000)).toBe(true)
    expect(s.frames.map((f) => [f.cmd, f.seq, codeOf(f.body)])).toEqual([[CMD.ERROR, 1, 'IMH_ERR_NOT_AUTHENTICATED']])
  })

  it('discards a partial frame at close, and forgets the link', async () => {
    const server = await serve()
    const s = await open(server)
    s.write(encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token}))
    await s.find((f) => f.cmd === CMD.AUTH, 5000)
    expect(server.connections).toBe(1)
    s.write(encodeFrame(CMD.NOOP, 2).subarray(0, 10))
    s.destroy()
    for (let i = 0; i < 100 && server.connections > 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(server.connections).toBe(0)
  })

  it('counts its frames, errors and links in the metrics as the WebSocket link\'s are counted', async () => {
    const server = await startReferenceServer({flows: ['core'], metrics: {port: 0}})
    servers.push(server)
    const s = await open(server)
    s.write(Buffer.concat([encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token}), encodeFrame(CMD.NOOP, 2)]))
    await s.until(() => s.frames.length === 2, 5000)
    let text = await (await fetch(server.metrics!)).text()
    expect(text).toMatch(/^imh_server_long_connections 1$/m)
    expect(text).toMatch(/^imh_server_long_frames_in_total\{cmd="NOOP"\} 1$/m)
    expect(text).toMatch(/^imh_server_long_frames_out_total\{cmd="AUTH"\} 1$/m)
    // headLen 20, then a version of 0xffffffff.
    s.write(encodeFrame(CMD.NOOP, 3).subarray(0, 4))
    s.write(Buffer.alloc(20, 0xff))
    await s.waitClose(5000)
    text = await (await fetch(server.metrics!)).text()
    expect(text).toMatch(/^imh_server_errors_total\{code="IMH_ERR_BAD_VERSION"\} 1$/m)
  })

  it('closes a stream client that stops reading with IMH_ERR_SLOW_CONSUMER (§5.6), and serves the others', async () => {
    const server = await serve({maxBufferedBytes: 64 * 1024, maxBodyBytes: 64 * 1024})
    const a = await token(server, 'a')
    const b = await token(server, 'b')
    const sender = await open(server)
    const content = 'x'.repeat(8000)
    sender.write(Buffer.concat([encodeFrame(CMD.AUTH, 1, {token: a.token}), ...Array.from({length: 10}, (_, i) => encodeFrame(CMD.SEND_MSG, i + 2, {clientMsgId: `m${i}`, to: b.userId, type: 'text', content}))]))
    await sender.until(() => sender.frames.length >= 11, 10_000)
    const reader = await open(server)
    reader.write(encodeFrame(CMD.AUTH, 1, {token: b.token}))
    await reader.find((f) => f.cmd === CMD.AUTH, 5000)
    reader.socket.pause()
    // 400 pages of 56 KB (each under maxBodyBytes) while the client reads nothing: the kernel's buffers fill, then the server's.
    reader.write(Buffer.concat(Array.from({length: 400}, (_, i) => encodeFrame(CMD.SYNC, i + 2, {syncKey: {epoch: 0, seq: 0}, limit: 7}))))
    await new Promise((r) => setTimeout(r, 500))
    reader.socket.resume()
    expect(await reader.waitClose(10_000)).toBe(true)
    const last = reader.frames.at(-1)!
    expect([last.cmd, last.seq, codeOf(last.body)]).toEqual([CMD.ERROR, 0, 'IMH_ERR_SLOW_CONSUMER'])
    // Answered until the kernel's buffers and the server's limit were full: not closed for one large reply.
    expect(reader.frames.filter((f) => f.cmd === CMD.SYNC).length).toBeGreaterThan(0)
    sender.write(encodeFrame(CMD.NOOP, 600))
    expect((await sender.find((f) => f.seq === 600, 5000))?.cmd).toBe(CMD.NOOP)
  })

  const tls = selfSignedCert()
  it.skipIf(!tls)('listens on tls:// when given a certificate', async () => {
    const server = await serve({}, tls)
    expect(server.urls.longTcp).toMatch(/^tls:\/\//)
    expect(server.groups.long[1]).toBe(server.urls.longTcp)
    const s = await open(server, {ca: tls!.cert})
    s.write(encodeFrame(CMD.AUTH, 1, {token: (await token(server, 'a')).token}))
    expect((await s.find((f) => f.seq === 1, 5000))?.cmd).toBe(CMD.AUTH)
    // A TCP connection that never starts its TLS handshake does not hold the server's close.
    const {port} = new URL(server.urls.longTcp)
    const idle = connect(Number(port), '127.0.0.1')
    idle.on('error', () => {})
    await new Promise((r) => idle.once('connect', r))
    const t0 = performance.now()
    await servers.splice(0)[0]!.close()
    expect(performance.now() - t0).toBeLessThan(1000)
    idle.destroy()
  })
})
