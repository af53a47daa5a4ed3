import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {WebSocketServer, type WebSocket} from 'ws'
import {CMD, type ChatMessage, type MomentNotice, PUSH_SEQ, SYNC_CATEGORIES, type SyncKey, decodeFrame, emptyGroups, encodeFrame, isImhError, parseJsonBody} from '../protocol/index.js'
import {ShortClient} from './short-client.js'
import {VirtualClient, type VirtualClientOptions} from './virtual-client.js'

/** Pages a fake server hands out per category, and the SYNC bodies it received. */
interface FakeInbox {
  pages: Record<string, unknown[]>
  syncs: Record<string, unknown>[]
  socket?: WebSocket
}

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const message = (seq: number): ChatMessage => ({seq, serverMsgId: `s${seq}`, from: 'u2', to: 'u1', clientMsgId: `c${seq}`, type: 'text', content: `m${seq}`, sendTime: 1})
const notice = (seq: number): MomentNotice => ({seq, kind: 'like', momentId: 'm1', from: 'u2', sendTime: 1})

/** A long-link node that answers AUTH and SYNC from `inbox.pages`, one scripted page per SYNC of a category. */
async function fakeNode(inbox: FakeInbox): Promise<string> {
  const wss = new WebSocketServer({port: 0, host: '127.0.0.1'})
  await new Promise((r) => wss.once('listening', r))
  closers.push(() => new Promise((r) => wss.close(r)))
  wss.on('connection', (ws) => {
    inbox.socket = ws
    ws.on('message', (data) => {
      const f = decodeFrame(data as Buffer)
      if (f.cmd === CMD.AUTH) {
        ws.send(encodeFrame(CMD.AUTH, f.seq, {userId: 'u1', serverTime: 1, heartbeatIntervalMs: 30_000, idleTimeoutMs: 90_000}))
      } else if (f.cmd === CMD.SYNC) {
        const body = parseJsonBody(f.body) as Record<string, unknown>
        inbox.syncs.push(body)
        const page = inbox.pages[(body.category as string | undefined) ?? 'chat']!.shift()
        ws.send(encodeFrame(CMD.SYNC, f.seq, page))
      }
    })
  })
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
}

/** A client logged in (a token, no short link) and connected to a fake node; `listen` runs before AUTH. */
async function connected(inbox: FakeInbox, options: Partial<VirtualClientOptions> = {}, listen?: (c: VirtualClient) => void): Promise<VirtualClient> {
  const url = await fakeNode(inbox)
  const c = new VirtualClient({resolved: {groups: {...emptyGroups(), long: [url]}, sources: {}, errors: []}, credentials: {username: 'u', password: 'p'}, heartbeat: false, ...options})
  c.resolved = c.options.resolved
  c.short = new ShortClient('http://127.0.0.1:1', {token: 't'})
  closers.push(() => c.close())
  listen?.(c)
  await c.connect()
  return c
}

const key = (epoch: number, seq: number): SyncKey => ({epoch, seq})
/** Every declared category's key before its first pull: what a test expects of the categories it does not touch. */
const untouched = (): Record<string, SyncKey> => Object.fromEntries(SYNC_CATEGORIES.map((c) => [c, key(0, 0)]))

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

describe('VirtualClient SYNC over the declared categories (PROTOCOL.md §6)', () => {
  it('after AUTH pulls the default category, naming none, page after page, and emits its entries as declared', async () => {
    const inbox: FakeInbox = {pages: {chat: [
      {syncKey: key(7, 1), messages: [message(1)], continue: true},
      {syncKey: key(7, 2), messages: [message(2)], continue: false},
    ]}, syncs: []}
    const got: ChatMessage[] = []
    const c = await connected(inbox, {syncPageLimit: 1}, (client) => client.on('message', (m) => got.push(m)))
    expect(inbox.syncs).toEqual([{syncKey: key(0, 0), limit: 1}, {syncKey: key(7, 1), limit: 1}])
    expect(got.map((m) => m.seq)).toEqual([1, 2])
    expect(c.syncKeys).toEqual({...untouched(), chat: key(7, 2)})
  })

  it('answers a notify that names a category with a pull of that category alone, under its own key', async () => {
    const inbox: FakeInbox = {pages: {
      chat: [{syncKey: key(7, 0), messages: [], continue: false}],
      moments: [{syncKey: key(9, 1), notices: [notice(1)], continue: false}, {syncKey: key(9, 2), notices: [notice(2)], continue: false}],
    }, syncs: []}
    const c = await connected(inbox)
    const notices: MomentNotice[] = []
    let notifies = 0
    let chatNotifies = 0
    c.on('notice', (n) => notices.push(n))
    c.on('moments-notify', () => notifies++)
    c.on('notify', () => chatNotifies++)
    inbox.socket!.send(encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ, {category: 'moments'}))
    await until(() => notices.length === 1)
    await c.sync('moments')
    expect(inbox.syncs.slice(1)).toEqual([{syncKey: key(0, 0), category: 'moments'}, {syncKey: key(9, 1), category: 'moments'}])
    expect(notices.map((n) => n.seq)).toEqual([1, 2])
    expect({notifies, chatNotifies}).toEqual({notifies: 1, chatNotifies: 0})
    expect(c.syncKeys).toEqual({...untouched(), chat: key(7, 0), moments: key(9, 2)})
  })

  it('reads an empty or unknown notify as the default category\'s, and reports a resync with its category', async () => {
    const inbox: FakeInbox = {pages: {chat: [
      {syncKey: key(7, 0), messages: [], continue: false},
      {syncKey: key(8, 1), messages: [message(1)], continue: false, resync: true},
      {syncKey: key(8, 1), messages: [], continue: false},
    ]}, syncs: []}
    const c = await connected(inbox)
    const resyncs: [SyncKey, string][] = []
    let chatNotifies = 0
    c.on('resync', (k, category) => resyncs.push([k, category]))
    c.on('notify', () => chatNotifies++)
    inbox.socket!.send(encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ))
    await until(() => resyncs.length === 1)
    inbox.socket!.send(encodeFrame(CMD.SYNC_NOTIFY, PUSH_SEQ, {category: 'not-a-category'}))
    await until(() => inbox.syncs.length === 3)
    expect(resyncs).toEqual([[key(8, 1), 'chat']])
    expect(chatNotifies).toBe(2)
  })

  it('refuses to pull a category no flow declares', async () => {
    const c = new VirtualClient({credentials: {username: 'u', password: 'p'}})
    const err = await c.sync('not-a-category' as never).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_INVALID_OPTION')).toBe(true)
  })

  it('fails a pull whose reply is not the page of the category asked for', async () => {
    const inbox: FakeInbox = {pages: {
      chat: [{syncKey: key(7, 0), messages: [], continue: false}],
      moments: [{syncKey: key(9, 1), messages: [message(1)], continue: false}],
    }, syncs: []}
    const c = await connected(inbox)
    const err = await c.sync('moments').catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_PROTOCOL_VIOLATION')).toBe(true)
    expect(c.syncKeys.moments).toEqual(key(0, 0))
  })

  it('tells its observer every event with the client, before listeners; an observer that takes errors stands in for an error listener', async () => {
    const inbox: FakeInbox = {pages: {chat: [
      {syncKey: key(7, 1), messages: [message(1)], continue: false},
      {syncKey: key(7, 2), messages: [message(2)], continue: false},
    ]}, syncs: []}
    const seen: string[] = []
    const observer = {
      tag: 'obs',
      message(this: {tag: string}, client: VirtualClient, m: ChatMessage) {
        seen.push(`${this.tag} ${client.userId ?? 'u?'} ${m.content}`)
      },
      error(this: {tag: string}, _client: VirtualClient, err: Error) {
        seen.push(`${this.tag} error ${err.message}`)
      },
    }
    const c = await connected(inbox, {observer}, (client) => client.on('message', (m) => seen.push(`listener ${m.content}`)))
    expect(seen).toEqual(['obs u? m1', 'listener m1'])
    expect(c.emit('error', new Error('boom'))).toBe(true)
    expect(seen.at(-1)).toBe('obs error boom')
  })

  it('holds no pull loop once its pulls are done', async () => {
    const inbox: FakeInbox = {pages: {chat: [{syncKey: key(7, 0), messages: [], continue: false}]}, syncs: []}
    const c = await connected(inbox)
    await until(() => (c as unknown as {pulls: unknown}).pulls === undefined)
  })
})
