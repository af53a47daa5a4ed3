import {EventEmitter} from 'node:events'
import type {Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import WebSocket from 'ws'
import {CMD, decodeFrame, encodeFrame, parseJsonBody} from '../../src/protocol/index.js'
import {resolveLimits} from '../config.js'
import {type LongContext, LongConnection} from './long-connection.js'
import {MemoryStore} from '../store/memory-store.js'
import {WsTransport} from './ws-transport.js'
import type {NewMessage} from '../store/store.js'

/** Just enough of a ws WebSocket to drive a LongConnection and watch what it does. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN
  bufferedAmount = 0
  isPaused = false
  pauses = 0
  sent: Buffer[] = []
  closed: number | undefined
  pause() {
    this.isPaused = true
    this.pauses++
  }
  resume() {
    this.isPaused = false
  }
  send(buf: Buffer) {
    this.sent.push(buf)
  }
  close(code: number) {
    this.closed = code
    this.readyState = WebSocket.CLOSING
  }
  terminate() {}
}

/** A store whose writes take a while, so frames pile up behind them. */
class SlowStore extends MemoryStore {
  override async appendMessage(m: NewMessage) {
    await new Promise((r) => setTimeout(r, 1))
    return super.appendMessage(m)
  }
}

const sockets: FakeSocket[] = []
// Closing clears the connection's handshake and idle timers.
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.emit('close', 1000, Buffer.alloc(0))
})

/** The corks of the TCP socket under the WebSocket, as net.Socket counts them. */
class FakeTcp {
  corked = 0
  corks = 0
  /** For each frame sent, whether the socket was corked at that moment. */
  sentCorked: boolean[] = []
  cork() {
    this.corked++
    this.corks++
  }
  uncork() {
    this.corked = Math.max(0, this.corked - 1)
  }
}

async function setup(limits = {}, tcp?: FakeTcp) {
  const store = new SlowStore()
  const a = (await store.createUser('a', 'h'))!
  const b = (await store.createUser('b', 'h'))!
  const token = await store.issueToken(a.userId)
  const ctx: LongContext = {store, limits: resolveLimits({handshakeTimeoutMs: 60_000, idleTimeoutMs: 60_000, maxQueuedFrames: 16, ...limits}), byUser: new Map(), services: new Map(), serviceList: []}
  const ws = new FakeSocket()
  sockets.push(ws)
  if (tcp) {
    const send = ws.send.bind(ws)
    ws.send = (buf: Buffer) => {
      tcp.sentCorked.push(tcp.corked > 0)
      send(buf)
    }
  }
  new LongConnection(new WsTransport(ws as unknown as WebSocket, ctx.limits.maxBodyBytes, tcp as unknown as Socket), ctx)
  ws.emit('message', encodeFrame(CMD.AUTH, 1, {token}), true)
  return {ws, to: b.userId}
}

async function until(cond: () => boolean) {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 2))
  expect(cond()).toBe(true)
}

describe('LongConnection inbound queue (PROTOCOL.md §5.6)', () => {
  it('stops reading when maxQueuedFrames wait, resumes when drained, and answers every frame in order', async () => {
    const {ws, to} = await setup()
    for (let i = 0; i < 200; i++) ws.emit('message', encodeFrame(CMD.SEND_MSG, i + 2, {clientMsgId: `m${i}`, to, type: 'text', content: 'x'}), true)
    expect(ws.isPaused).toBe(true)
    await until(() => ws.sent.length === 201)
    expect(ws.isPaused).toBe(false)
    expect(ws.pauses).toBeGreaterThanOrEqual(1)
    const replies = ws.sent.slice(1).map((b) => decodeFrame(b))
    expect(replies.map((f) => f.seq)).toEqual(Array.from({length: 200}, (_, i) => i + 2))
    expect(replies.map((f) => (parseJsonBody(f.body) as {seq: number}).seq)).toEqual(Array.from({length: 200}, (_, i) => i + 1))
  })

  it('is not idle while its frames wait in the queue, however long they take (§5.4), and is once they are answered', async () => {
    // 200 writes of over 1 ms each outlast the 100 ms idle timeout, as 1,000 SEND_MSGs on a shared store can.
    const {ws, to} = await setup({idleTimeoutMs: 100})
    for (let i = 0; i < 200; i++) ws.emit('message', encodeFrame(CMD.SEND_MSG, i + 2, {clientMsgId: `i${i}`, to, type: 'text', content: 'x'}), true)
    await until(() => ws.sent.length === 201 || ws.closed !== undefined)
    expect(ws.closed).toBeUndefined()
    await until(() => ws.closed !== undefined)
    expect(ws.closed).toBe(4408)
  })

  it('also stops reading when the queued frames pass maxQueuedBytes, however few they are', async () => {
    const {ws, to} = await setup({maxQueuedBytes: 64 * 1024})
    const content = 'y'.repeat(20 * 1024)
    for (let i = 0; i < 4; i++) ws.emit('message', encodeFrame(CMD.SEND_MSG, i + 2, {clientMsgId: `b${i}`, to, type: 'text', content}), true)
    expect(ws.isPaused).toBe(true)
    await until(() => ws.sent.length === 5)
    expect(ws.isPaused).toBe(false)
  })

  it('answers a framing error only after the frames queued before it, then closes', async () => {
    const {ws, to} = await setup()
    ws.emit('message', encodeFrame(CMD.SEND_MSG, 2, {clientMsgId: 'ok', to, type: 'text', content: 'x'}), true)
    const bad = encodeFrame(CMD.NOOP, 3)
    bad.writeUInt32BE(9, 4)
    ws.emit('message', bad, true)
    await until(() => ws.closed !== undefined)
    const frames = ws.sent.slice(1).map((b) => decodeFrame(b))
    expect(frames.map((f) => [f.cmd, f.seq])).toEqual([[CMD.SEND_MSG, 2], [CMD.ERROR, 0]])
    expect(ws.closed).toBe(4400)
  })

  it('closes a client that stops reading with IMH_ERR_SLOW_CONSUMER and 4503', async () => {
    // A small maxBodyBytes keeps §5.6's floor (2 × (20 + maxBodyBytes)) under the configured limit.
    const {ws} = await setup({maxBufferedBytes: 64 * 1024, maxBodyBytes: 16 * 1024})
    ws.bufferedAmount = 64 * 1024
    ws.emit('message', encodeFrame(CMD.NOOP, 2), true)
    await until(() => ws.closed !== undefined)
    expect(ws.closed).toBe(4503)
    const last = decodeFrame(ws.sent.at(-1)!)
    expect([last.cmd, last.seq, (parseJsonBody(last.body) as {code: string}).code]).toEqual([CMD.ERROR, 0, 'IMH_ERR_SLOW_CONSUMER'])
  })

  it('never closes a slow consumer below §5.6\'s floor of two largest frames, whatever the configured limit', async () => {
    const {ws} = await setup({maxBufferedBytes: 64 * 1024, maxBodyBytes: 1024 * 1024})
    ws.bufferedAmount = 2 * (20 + 1024 * 1024) - 100
    ws.emit('message', encodeFrame(CMD.NOOP, 2), true)
    await until(() => ws.sent.length > 1)
    expect(ws.closed).toBeUndefined()
    ws.bufferedAmount = 2 * (20 + 1024 * 1024)
    ws.emit('message', encodeFrame(CMD.NOOP, 3), true)
    await until(() => ws.closed !== undefined)
    expect(ws.closed).toBe(4503)
  })
})

describe('LongConnection writes', () => {
  it('corks the socket while a tick sends frames and uncorks it when the tick ends, so they leave in one write', async () => {
    const tcp = new FakeTcp()
    const {ws} = await setup({}, tcp)
    await until(() => ws.sent.length === 1)
    await new Promise((r) => setImmediate(r))
    expect(tcp.corked).toBe(0)
    const corks = tcp.corks
    // Three heartbeats read in one chunk: three echoes, one cork.
    for (let seq = 2; seq <= 4; seq++) ws.emit('message', encodeFrame(CMD.NOOP, seq), true)
    await until(() => ws.sent.length === 4)
    expect(tcp.sentCorked.slice(1)).toEqual([true, true, true])
    await new Promise((r) => setImmediate(r))
    expect(tcp.corks - corks).toBe(1)
    expect(tcp.corked).toBe(0)
    expect(ws.sent.slice(1).map((b) => decodeFrame(b).seq)).toEqual([2, 3, 4])
  })
})
