import {type AddressInfo, type Server, type Socket, connect, createServer} from 'node:net'
import {CMD, HEAD_LEN, ImhError, PROTOCOL_VERSION, PUSH_SEQ, encodeFrame, errorBody} from '../../src/protocol/index.js'

/**
 * How the double reads the client's byte stream, each a mistake a stream server can make (or, for
 * `late-timeout`, a correct choice the protocol allows):
 * - `per-read`: decodes each read on its own; a frame split over reads is lost;
 * - `first-frame-only`: serves the first frame of each read and drops the others;
 * - `no-timeout`: waits for ever for the rest of a frame;
 * - `connection-timeout`: times out when bytes have been pending for frameTimeoutMs, without
 *   starting again when a frame completes and the next one is already begun;
 * - `resync`: on a bad header skips a byte and reads on, serving what follows;
 * - `late-timeout`: times out 1.5 × frameTimeoutMs after a frame's first byte (within §4.2's window).
 */
export type StreamBug = 'per-read' | 'first-frame-only' | 'no-timeout' | 'connection-timeout' | 'resync' | 'late-timeout'

export interface StreamProxy {
  /** tcp://127.0.0.1:PORT of the double. */
  url: string
  close(): Promise<void>
}

/**
 * A stream long link with one bug: it reads the client's bytes itself, its way, and hands the
 * real server (`upstream`, a tcp:// address) only whole frames; the server's answers go back as
 * they are. The real server's own frame time-out never fires behind it: the double's is the one.
 */
export async function startStreamProxy(upstream: string, bug: StreamBug, frameTimeoutMs: number): Promise<StreamProxy> {
  const {hostname, port} = new URL(upstream)
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const up = connect({host: hostname, port: Number(port)})
    for (const s of [client, up]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    up.on('data', (d) => client.write(d))
    up.on('close', () => client.end())
    client.on('close', () => up.destroy())
    let buffered: Buffer = Buffer.alloc(0)
    let pendingSince = 0
    let timer: NodeJS.Timeout | undefined
    const timeout = (ms: number): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        client.end(encodeFrame(CMD.ERROR, PUSH_SEQ, errorBody(new ImhError('IMH_ERR_FRAME_TIMEOUT'))))
        up.destroy()
      }, ms)
    }
    client.on('close', () => clearTimeout(timer))
    client.on('data', (chunk: Buffer) => {
      buffered = bug === 'per-read' ? chunk : Buffer.concat([buffered, chunk])
      const wasPending = pendingSince > 0
      let frames = 0
      while (buffered.length >= HEAD_LEN) {
        if (bug === 'resync' && (buffered.readUInt32BE(0) !== HEAD_LEN || buffered.readUInt32BE(4) !== PROTOCOL_VERSION)) {
          buffered = buffered.subarray(1)
          continue
        }
        const total = HEAD_LEN + buffered.readUInt32BE(16)
        if (buffered.length < total) break
        if (!(bug === 'first-frame-only' && frames > 0)) up.write(buffered.subarray(0, total))
        frames++
        buffered = buffered.subarray(total)
      }
      if (bug === 'per-read') buffered = Buffer.alloc(0)
      if (buffered.length === 0) {
        pendingSince = 0
        clearTimeout(timer)
        return
      }
      const begun = frames > 0 || !wasPending
      if (!wasPending) pendingSince = performance.now()
      if (bug === 'connection-timeout' && !wasPending) timeout(frameTimeoutMs)
      if ((bug === 'late-timeout' || bug === 'resync' || bug === 'first-frame-only') && begun) timeout(frameTimeoutMs * 1.5)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}
