import {afterEach, describe, expect, it} from 'vitest'
import {VirtualClient} from '../src/client/index.js'
import {CMD, type ChatMessage} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'

const MAX_BODY = 2048
let server: ReferenceServer | undefined
const clients: VirtualClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server?.close()
})

async function client(name: string, autoSync = true): Promise<VirtualClient> {
  const c = new VirtualClient({resolve: {scheduler: server!.urls.scheduler}, credentials: {username: name, password: 'pw'}, register: true, heartbeat: false, autoSync})
  clients.push(c)
  return c.start()
}

describe('SYNC pages bounded by the body limit (PROTOCOL.md §4.1, §6.4)', () => {
  it('returns fewer messages than asked, with continue, when a page would outgrow maxBodyBytes; the pages hold every message once', async () => {
    server = await startReferenceServer({limits: {maxBodyBytes: MAX_BODY}})
    const reader = await client('big-reader', false)
    const writer = await client('big-writer')
    for (let i = 0; i < 6; i++) await writer.sendText(reader.userId!, `${i}:${'x'.repeat(700)}`, `big-${i}`)
    let key = {epoch: 0, seq: 0}
    const got: ChatMessage[] = []
    const sizes: number[] = []
    for (let page = 0; page < 20; page++) {
      const reply = await reader.link!.call<{syncKey: {epoch: number; seq: number}; messages: ChatMessage[]; continue: boolean}>(CMD.SYNC, {syncKey: key, limit: 100})
      sizes.push(Buffer.byteLength(JSON.stringify(reply)))
      expect(reply.messages.length).toBeGreaterThan(0)
      got.push(...reply.messages)
      key = reply.syncKey
      if (!reply.continue) break
    }
    // Each reply fits the announced limit (the client's decoder refuses a bigger frame).
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_BODY)
    expect(sizes.length).toBeGreaterThan(1)
    expect(got.map((m) => m.clientMsgId)).toEqual(['big-0', 'big-1', 'big-2', 'big-3', 'big-4', 'big-5'])
  })
})
