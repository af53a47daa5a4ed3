import {Readable} from 'node:stream'
import {PNG} from 'pngjs'
import {request} from 'undici'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {MediaClient} from '../src/client/media-client.js'
import {MEDIA_ROUTES, SHORT_ROUTES, gameBytes} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {LISTENERS} from '../reference-server/port-layout.js'

const SIZE = 300_000
let server: ReferenceServer
let media: string
let token: string
let userId: string

async function call(method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | string) {
  const r = await request(url, {method: method as 'GET', headers, body})
  const buf = Buffer.from(await r.body.arrayBuffer())
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(buf.toString())
  } catch {}
  return {status: r.statusCode, headers: r.headers, buf, json}
}

beforeAll(async () => {
  server = await startReferenceServer({limits: {downloadBytes: SIZE, mediaMaxUploadBytes: 4096}})
  media = server.urls.media
  const creds = JSON.stringify({username: 'media-alice', password: 'pw'})
  const json = {'content-type': 'application/json'}
  await call('POST', server.urls.short + SHORT_ROUTES.register.path, json, creds)
  const login = await call('POST', server.urls.short + SHORT_ROUTES.login.path, json, creds)
  token = login.json.token as string
  userId = login.json.userId as string
})
afterAll(() => server.close())

describe('media group', () => {
  it('is listed by the scheduler and serves avatar URLs from /profile', async () => {
    expect(server.groups.media).toEqual([media])
    const profile = await call('GET', server.urls.short + SHORT_ROUTES.profile.path, {authorization: `Bearer ${token}`})
    const url = (profile.json.user as {avatarUrl: string}).avatarUrl
    expect(url).toBe(`${media}/avatar/${userId}`)
    const a = await call('GET', url)
    expect(a.status).toBe(200)
    expect(a.headers['content-type']).toBe('image/png')
    expect(a.headers['cache-control']).toBe('public, max-age=86400')
    expect(PNG.sync.read(a.buf).width).toBe(32)
    const again = await call('GET', url)
    expect(Buffer.compare(again.buf, a.buf)).toBe(0)
    expect((await call('GET', url, {'if-none-match': String(a.headers.etag)})).status).toBe(304)
    expect((await call('GET', `${media}/avatar/nobody`)).json.code).toBe('IMH_ERR_UNKNOWN_USER')
  })

  it('uploads with type, size and token checks, then serves identical bytes', async () => {
    const client = new MediaClient({base: media})
    const bytes = Buffer.from('not really a png, but typed as one')
    const up = await client.upload(token, 'image/png', bytes)
    expect(up.size).toBe(bytes.length)
    expect(up.url).toBe(`${media}/media/${up.mediaId}`)
    const got = await client.get(up.url)
    expect(Buffer.compare(got.bytes, bytes)).toBe(0)
    expect(got.etag).toBe(up.etag)
    expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await client.get(up.url, {etag: up.etag})).status).toBe(304)
    const url = media + MEDIA_ROUTES.upload
    const auth = {authorization: `Bearer ${token}`}
    expect((await call('POST', url, {...auth, 'content-type': 'text/plain'}, 'x')).json.code).toBe('IMH_ERR_MEDIA_TYPE')
    const big = await call('POST', url, {...auth, 'content-type': 'image/png'}, Buffer.alloc(5000))
    expect([big.status, big.json.code]).toEqual([413, 'IMH_ERR_MEDIA_TOO_LARGE'])
    const streamed = await request(url, {method: 'POST', headers: {...auth, 'content-type': 'image/jpeg'}, body: Readable.from((function* () {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(1000)
    })())})
    expect(streamed.statusCode).toBe(413)
    await streamed.body.dump()
    expect((await call('POST', url, {'content-type': 'image/png'}, 'x')).status).toBe(401)
    expect((await call('POST', url, {...auth, 'content-type': 'image/png'}, Buffer.alloc(0))).status).toBe(400)
    expect((await call('GET', `${media}/media/unknown`)).json.code).toBe('IMH_ERR_MEDIA_NOT_FOUND')
  })

  it('serves game.bin with ranges, validators and conditional requests', async () => {
    const url = media + MEDIA_ROUTES.download
    const full = await call('GET', url)
    expect(full.status).toBe(200)
    expect(Buffer.compare(full.buf, gameBytes(0, SIZE))).toBe(0)
    const etag = String(full.headers.etag)
    const r = await call('GET', url, {range: 'bytes=100-199'})
    expect([r.status, r.headers['content-range']]).toEqual([206, `bytes 100-199/${SIZE}`])
    expect(Buffer.compare(r.buf, full.buf.subarray(100, 200))).toBe(0)
    expect((await call('GET', url, {range: 'bytes=-10'})).headers['content-range']).toBe(`bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`)
    expect((await call('GET', url, {range: `bytes=${SIZE - 5}-${SIZE + 100}`})).buf.length).toBe(5)
    const bad = await call('GET', url, {range: `bytes=${SIZE}-`})
    expect([bad.status, bad.headers['content-range'], bad.json.code]).toEqual([416, `bytes */${SIZE}`, 'IMH_ERR_RANGE_NOT_SATISFIABLE'])
    expect((await call('GET', url, {range: 'bytes=0-1,5-6'})).status).toBe(200)
    const nm = await call('GET', url, {'if-none-match': etag})
    expect([nm.status, nm.buf.length, nm.headers.etag]).toEqual([304, 0, etag])
    expect((await call('GET', url, {'if-modified-since': String(full.headers['last-modified'])})).status).toBe(304)
    expect((await call('GET', url, {'range': 'bytes=0-9', 'if-range': '"other"'})).buf.length).toBe(SIZE)
    expect((await call('GET', url, {'range': 'bytes=0-9', 'if-range': etag})).status).toBe(206)
    const head = await call('HEAD', url)
    expect([head.status, head.buf.length, head.headers['content-length'], head.headers.etag]).toEqual([200, 0, String(SIZE), etag])
  })

  it('downloads in chunks through the client and checks every chunk', async () => {
    const client = new MediaClient({base: media})
    const parts: Buffer[] = []
    const result = await client.download(media + MEDIA_ROUTES.download, {chunkBytes: 70_000, onData: (_, b) => parts.push(b)})
    expect(result).toMatchObject({size: SIZE, requests: 5, received: SIZE})
    expect(Buffer.compare(Buffer.concat(parts), gameBytes(0, SIZE))).toBe(0)
    const resumed = await client.download(media + MEDIA_ROUTES.download, {chunkBytes: 0, from: SIZE - 1000, etag: result.etag})
    expect(resumed).toMatchObject({size: SIZE, requests: 1, received: 1000})
    const changed = await client.download(media + MEDIA_ROUTES.download, {chunkBytes: 0, from: SIZE - 1000, etag: '"stale"'})
    expect(changed.received).toBe(SIZE)
  })
})

describe('port layout', () => {
  it('puts the long link stream port at N+3, the media group at N+5 and the STUN ports right after the TCP listeners with a fixed port N', async () => {
    // A random base, retried: another process may hold some port of the range.
    for (let attempt = 0; ; attempt++) {
      const port = 20_000 + Math.floor(Math.random() * 30_000)
      let s: ReferenceServer
      try {
        s = await startReferenceServer({port, limits: {stunPorts: 2}})
      } catch (err) {
        if (attempt < 4) continue
        throw err
      }
      try {
        expect(s.urls.long).toBe(`ws://127.0.0.1:${port + 2}/long`)
        expect(s.urls.longTcp).toBe(`tcp://127.0.0.1:${port + 3}`)
        expect(s.urls.media).toBe(`http://127.0.0.1:${port + 5}`)
        const after = port + LISTENERS.length
        expect(s.flows.talk.stun.ports).toEqual([after, after + 1])
      } finally {
        await s.close()
      }
      return
    }
  })
})
