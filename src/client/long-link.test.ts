import {createServer, type Socket} from 'node:net'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {WebSocketServer} from 'ws'
import {CMD, type Frame, PUSH_SEQ, decodeFrame, encodeFrame, isImhError} from '../protocol/index.js'
import {type CloseInfo, LongLink} from './long-link.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

describe('LongLink', () => {
  it('gives up on a handshake that never ends after connectTimeoutMs, as a coded connect failure', async () => {
    const sockets: Socket[] = []
    const silent = createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    closers.push(() => new Promise((r) => {
      for (const s of sockets) s.destroy()
      silent.close(r)
    }))
    const err = await LongLink.connect(`ws://127.0.0.1:${(silent.address() as AddressInfo).port}/long`, {connectTimeoutMs: 150}).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_CONNECT_FAILED')).toBe(true)
    expect((err as Error).message).toMatch(/timed out after 150 ms/)
  })

  it('tells its owner of pushes and its close before the events, and matches replies by seq', async () => {
    const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise((r) => wss.close(r)))
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const f = decodeFrame(data as Buffer)
      ws.send(encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ))
      ws.send(encodeFrame(f.cmd, f.seq))
      ws.close(4000, 'bye')
    }))
    const link = await LongLink.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
    const order: string[] = []
    link.owner = {
      linkPush: (f: Frame) => order.push(`owner push ${f.cmd}`),
      linkClosed: (info: CloseInfo) => order.push(`owner close ${info.code}`),
    }
    link.on('push', (f) => order.push(`event push ${f.cmd}`))
    const closed = link.waitClose(5000)
    const reply = await link.request(CMD.NOOP)
    expect(reply.cmd).toBe(CMD.NOOP)
    expect(link.pendingRequests).toBe(0)
    expect((await closed).code).toBe(4000)
    expect(order).toEqual([`owner push ${CMD.SYNC_NOTIFY}`, `event push ${CMD.SYNC_NOTIFY}`, 'owner close 4000'])
  })

  it('times out a request with no reply after its own timeoutMs, and answers the others', async () => {
    const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise((r) => wss.close(r)))
    // Answers every NOOP and never a SYNC.
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const f = decodeFrame(data as Buffer)
      if (f.cmd === CMD.NOOP) ws.send(encodeFrame(CMD.NOOP, f.seq))
    }))
    const link = await LongLink.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {requestTimeoutMs: 5000})
    closers.push(() => link.terminate())
    const t0 = performance.now()
    const slow = link.request(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}}).catch((e: unknown) => e)
    const quick = link.request(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}}, 100).catch((e: unknown) => e)
    expect((await link.request(CMD.NOOP)).cmd).toBe(CMD.NOOP)
    const err = await quick
    expect(isImhError(err, 'IMH_ERR_TIMEOUT')).toBe(true)
    expect((err as Error).message).toMatch(/SYNC seq 2: no reply within 100 ms/)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(99)
    expect(link.pendingRequests).toBe(1)
    link.terminate()
    expect(isImhError(await slow, 'IMH_ERR_CONNECTION_CLOSED')).toBe(true)
  })

  it('call resolves with the checked reply body and rejects a reply that does not parse', async () => {
    const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise((r) => wss.close(r)))
    wss.on('connection', (ws) => ws.on('message', (data) => {
      const f = decodeFrame(data as Buffer)
      ws.send(f.seq === 1 ? encodeFrame(CMD.SEND_MSG, f.seq, {serverMsgId: '7', seq: 3, sendTime: 5}) : encodeFrame(CMD.SEND_MSG, f.seq, '{not json'))
    }))
    const link = await LongLink.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
    closers.push(() => link.terminate())
    const body = {clientMsgId: 'a', to: 'u2', type: 'text', content: 'hi'}
    expect(await link.call(CMD.SEND_MSG, body)).toEqual({serverMsgId: '7', seq: 3, sendTime: 5})
    expect(isImhError(await link.call(CMD.SEND_MSG, body).catch((e: unknown) => e), 'IMH_ERR_BAD_JSON')).toBe(true)
    expect(link.pendingRequests).toBe(0)
  })

  it('matches replies that come out of order to many requests at once, and rejects those left at close in the order sent', async () => {
    const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise((r) => wss.close(r)))
    // Holds four NOOPs, answers the 4th, 2nd, 1st, then closes: the 3rd and the 5th are left.
    wss.on('connection', (ws) => {
      const held: Frame[] = []
      ws.on('message', (data) => {
        held.push(decodeFrame(data as Buffer))
        if (held.length < 4) return
        for (const i of [3, 1, 0]) ws.send(encodeFrame(CMD.NOOP, held[i]!.seq))
      })
    })
    const link = await LongLink.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
    closers.push(() => link.terminate())
    const settled: string[] = []
    const all = [1, 2, 3, 4].map((n) => link.request(CMD.NOOP).then(() => settled.push(`ok ${n}`), () => settled.push(`closed ${n}`)))
    while (settled.length < 3) await new Promise((r) => setTimeout(r, 5))
    expect(settled).toEqual(['ok 4', 'ok 2', 'ok 1'])
    const fifth = link.request(CMD.NOOP).then(() => settled.push('ok 5'), () => settled.push('closed 5'))
    expect(link.pendingRequests).toBe(2)
    link.terminate()
    await Promise.all([...all, fifth])
    expect(settled.slice(3)).toEqual(['closed 3', 'closed 5'])
    expect(link.pendingRequests).toBe(0)
  })
})
