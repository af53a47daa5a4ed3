import {once} from 'node:events'
import {type AddressInfo, type Socket, connect, createServer} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {CMD, encodeFrame} from '../../src/protocol/index.js'
import type {Inbound} from './link-transport.js'
import {StreamTransport} from './stream-transport.js'

const open: Socket[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.destroy()
})

/** A loopback pair: the server side wrapped in a StreamTransport whose deliveries are recorded. */
async function pair(frameTimeoutMs: number, onInbound: (item: Inbound, t: StreamTransport) => void = () => {}) {
  const got: Inbound[] = []
  let closed = false
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const accepted = new Promise<Socket>((r) => server.once('connection', r))
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1')
  client.setNoDelay(true)
  open.push(client)
  await once(client, 'connect')
  const socket = await accepted
  server.close()
  open.push(socket)
  const t = new StreamTransport(socket, 1024, frameTimeoutMs)
  t.attach({inbound: (item) => (got.push(item), onInbound(item, t)), activity: () => {}, closed: () => (closed = true)})
  return {client, t, got, isClosed: () => closed}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean, ms = 2000) {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(5)
  expect(cond()).toBe(true)
}
const codeOf = (item: Inbound | undefined) => (item && 'error' in item ? item.error.code : undefined)

describe('StreamTransport (PROTOCOL.md §4.2)', () => {
  it('delivers the whole frames before a bad header in the same read, then its error, and nothing after', async () => {
    const {client, got} = await pair(1000)
    const bad = encodeFrame(CMD.NOOP, 3)
    bad.writeUInt32BE(21, 0)
    client.write(Buffer.concat([encodeFrame(CMD.NOOP, 1), encodeFrame(CMD.NOOP, 2), bad]))
    await until(() => got.length === 3)
    client.write(encodeFrame(CMD.NOOP, 4))
    await sleep(50)
    expect(got.map((i) => ('frame' in i ? i.frame.seq : i.error.code))).toEqual([1, 2, 'IMH_ERR_BAD_HEAD_LEN'])
  })

  it('times a frame from its first byte, afresh for a frame begun in the read that ends the one before', async () => {
    const {client, got} = await pair(150)
    const two = Buffer.concat([encodeFrame(CMD.NOOP, 1), encodeFrame(CMD.NOOP, 2)])
    client.write(two.subarray(0, 10))
    await sleep(100)
    client.write(two.subarray(10, 30))
    await sleep(100)
    // 200 ms after the first byte, but the second frame began 100 ms ago: not timed out.
    expect(got.map(codeOf)).toEqual([undefined])
    await until(() => got.length === 2)
    expect(codeOf(got[1])).toBe('IMH_ERR_FRAME_TIMEOUT')
  })

  it('does not time out a frame while it is not reading (inbound queue full), and does once it reads again', async () => {
    const {client, t, got} = await pair(80, (item, transport) => {
      if ('frame' in item) transport.pause()
    })
    client.write(Buffer.concat([encodeFrame(CMD.NOOP, 1), encodeFrame(CMD.NOOP, 2).subarray(0, 5)]))
    await until(() => got.length === 1)
    expect(t.isPaused).toBe(true)
    await sleep(200)
    expect(got).toHaveLength(1)
    t.resume()
    await until(() => got.length === 2)
    expect(codeOf(got[1])).toBe('IMH_ERR_FRAME_TIMEOUT')
  })

  it('sends the ERROR frame, then ends the stream, reading and dropping what else comes', async () => {
    const {client, t, isClosed} = await pair(1000)
    const received: Buffer[] = []
    client.on('data', (d: Buffer) => received.push(d))
    const ended = new Promise((r) => client.once('end', r))
    t.closeAfterError(encodeFrame(CMD.ERROR, 0, {ret: 400, code: 'IMH_ERR_BAD_VERSION', errMsg: 'x'}), 4400, 'IMH_ERR_BAD_VERSION')
    client.write(Buffer.alloc(4096, 0xff))
    await ended
    expect(Buffer.concat(received).readUInt32BE(8)).toBe(CMD.ERROR)
    client.end()
    await until(isClosed)
  })
})
