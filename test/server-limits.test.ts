import {Agent} from 'undici'
import {afterEach, describe, expect, it} from 'vitest'
import {LongLink, VirtualClient} from '../src/client/index.js'
import {type AuthReply, CMD, type ChatMessage} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {selfSignedCert} from './tls-cert.js'

const servers: ReferenceServer[] = []
const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function user(server: ReferenceServer, name: string, dispatcher?: Agent) {
  const {ShortClient} = await import('../src/client/index.js')
  const short = new ShortClient(server.urls.short, {dispatcher})
  await short.register({username: name, password: 'pw'})
  return short.login({username: name, password: 'pw'})
}

const tls = selfSignedCert()
if (!tls) {
  if (process.env.CI) throw new Error('openssl is required in CI to test TLS')
  console.warn('\n*** SKIPPING TLS TESTS: openssl not found ***\n')
}

describe.skipIf(!tls)('TLS (PROTOCOL.md §3.1)', () => {
  it('serves https and wss when given a certificate; a client trusting it chats end to end', async () => {
    const server = await startReferenceServer({tls})
    servers.push(server)
    expect(server.urls.scheduler).toMatch(/^https:/)
    expect(server.urls.long).toMatch(/^wss:/)
    const dispatcher = new Agent({connect: {ca: tls!.cert}})
    closers.push(() => dispatcher.close())
    const mk = (name: string) => new VirtualClient({resolve: {scheduler: server.urls.scheduler, dispatcher}, dispatcher, ca: tls!.cert, credentials: {username: name, password: 'pw'}, register: true, heartbeat: false})
    const a = await mk('ta').start()
    const b = await mk('tb').start()
    closers.push(() => a.close(), () => b.close())
    const got = new Promise<ChatMessage>((r) => b.once('message', r))
    await a.sendText(b.userId!, 'over tls', 'c1')
    expect((await got).content).toBe('over tls')
  })

  it('refuses a client that does not trust the certificate', async () => {
    const server = await startReferenceServer({tls})
    servers.push(server)
    await expect(LongLink.connect(server.urls.long)).rejects.toThrow(/IMH_ERR_CONNECT_FAILED|certificate/)
  })
})

describe('bounded per-connection buffers (PROTOCOL.md §5.6)', () => {
  it('cuts off a client that stops reading, and keeps serving the others', async () => {
    const server = await startReferenceServer({limits: {maxBufferedBytes: 64 * 1024, syncPageMax: 1000}})
    servers.push(server)
    const sender = await user(server, 'snd')
    const slow = await user(server, 'slow')
    const other = await user(server, 'other')
    const sLink = await LongLink.connect(server.urls.long)
    await sLink.call<AuthReply>(CMD.AUTH, {token: sender.token})
    const content = 'x'.repeat(4096)
    await Promise.all(Array.from({length: 200}, (_, i) => sLink.call(CMD.SEND_MSG, {clientMsgId: `m${i}`, to: slow.userId, type: 'text', content})))

    const slowLink = await LongLink.connect(server.urls.long)
    await slowLink.call<AuthReply>(CMD.AUTH, {token: slow.token})
    // Stop reading: every SYNC reply (~800 KiB) now piles up in the server's send buffer.
    ;(slowLink.ws as unknown as {_socket: {pause(): void}})._socket.pause()
    for (let i = 0; i < 40; i++) slowLink.sendFrame(CMD.SYNC, 100 + i, {syncKey: {epoch: 0, seq: 0}, limit: 1000})

    const oLink = await LongLink.connect(server.urls.long)
    await oLink.call<AuthReply>(CMD.AUTH, {token: other.token})
    closers.push(() => sLink.terminate(), () => oLink.terminate(), () => slowLink.terminate())
    const deadline = Date.now() + 10_000
    while (server.connections === 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(server.connections).toBe(2)
    await oLink.request(CMD.NOOP)
    await sLink.request(CMD.NOOP)
  })
})
