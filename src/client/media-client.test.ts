import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {gameBytes, parseRange} from '../protocol/index.js'
import {MediaClient} from './media-client.js'

const SIZE = 10_000
const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** A range server whose answer for request n (0-based) `bend` may change. */
async function serve(bend: (n: number, h: Record<string, string | number>) => void = () => {}): Promise<string> {
  let n = 0
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const r = parseRange(req.headers.range, SIZE)
    const [status, start, end] = r.kind === 'range' ? [206, r.start, r.end] : [200, 0, SIZE - 1]
    const headers: Record<string, string | number> = {'etag': '"v1"', 'content-length': end - start + 1}
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${SIZE}`
    bend(n++, headers)
    res.writeHead(status, headers)
    res.end(gameBytes(start, end - start + 1))
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/download/game.bin`
}

describe('MediaClient.download', () => {
  it('reassembles the object from chunks', async () => {
    const url = await serve()
    const parts: Buffer[] = []
    const result = await new MediaClient({base: url}).download(url, {chunkBytes: 3000, onData: (_, b) => parts.push(b)})
    expect(result).toEqual({size: SIZE, etag: '"v1"', requests: 4, received: SIZE})
    expect(Buffer.concat(parts).equals(gameBytes(0, SIZE))).toBe(true)
  })

  it.each([
    ['a Content-Range that starts elsewhere', (n: number, h: Record<string, string | number>) => n === 1 && (h['content-range'] = `bytes 3001-5999/${SIZE}`), /206 starts at 3001, asked for 3000/],
    ['an ETag that changes between chunks', (n: number, h: Record<string, string | number>) => n === 2 && (h.etag = '"v2"'), /ETag changed from "v1" to "v2"/],
    ['a total size that changes', (n: number, h: Record<string, string | number>) => n === 1 && (h['content-range'] = `bytes 3000-5999/${SIZE + 1}`), /total size changed/],
    ['a 206 without Content-Range', (n: number, h: Record<string, string | number>) => n === 0 && delete h['content-range'], /206 without a valid Content-Range/],
  ])('refuses %s', async (_, bend, message) => {
    const url = await serve(bend)
    await expect(new MediaClient({base: url}).download(url, {chunkBytes: 3000})).rejects.toMatchObject({code: 'IMH_ERR_PROTOCOL_VIOLATION', message: expect.stringMatching(message)})
  })
})

describe('MediaClient.get', () => {
  it('sends If-None-Match and takes a 304 as not modified, a coded failure as its code', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404, {'content-type': 'application/json'})
        return void res.end(JSON.stringify({ret: 404, code: 'IMH_ERR_MEDIA_NOT_FOUND', errMsg: 'no'}))
      }
      if (req.headers['if-none-match'] === '"e"') return void res.writeHead(304, {etag: '"e"'}).end()
      res.writeHead(200, {'etag': '"e"', 'content-type': 'image/png'})
      res.end('png')
    })
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const client = new MediaClient({base})
    expect(await client.get(`${base}/a`)).toMatchObject({status: 200, etag: '"e"', bytes: Buffer.from('png')})
    expect(await client.get(`${base}/a`, {etag: '"e"'})).toMatchObject({status: 304, bytes: Buffer.alloc(0)})
    await expect(client.get(`${base}/missing`)).rejects.toMatchObject({code: 'IMH_ERR_MEDIA_NOT_FOUND'})
  })
})
