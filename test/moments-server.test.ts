import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LongLink, MediaClient, MomentsClient, ShortClient, VirtualClient} from '../src/client/index.js'
import {CMD, type MomentNotice, type NoticeSyncReply, SHORT_ROUTES, isImhError, parseJsonBody} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {until} from './support/until.js'

let server: ReferenceServer
const clients: VirtualClient[] = []
let n = 0

beforeEach(async () => {
  server = await startReferenceServer({port: 0})
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server.close()
})

async function user(name: string): Promise<{userId: string; m: MomentsClient; short: ShortClient}> {
  const short = new ShortClient(server.urls.short)
  const creds = {username: `${name}${++n}`, password: 'pw'}
  await short.register(creds)
  const {userId} = await short.login(creds)
  return {userId, m: new MomentsClient(short), short}
}

async function online(name: string): Promise<{c: VirtualClient; m: MomentsClient}> {
  const c = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `${name}${++n}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(c)
  await c.start()
  return {c, m: new MomentsClient(c.short!)}
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (isImhError(err)) return err.code
    throw err
  }
  return 'none'
}

describe('friends (PROTOCOL.md §15.1)', () => {
  it('adds a mutual friendship at once, idempotently, and refuses self and unknown users', async () => {
    const a = await user('a')
    const b = await user('b')
    await a.m.addFriend(b.userId)
    await a.m.addFriend(b.userId)
    expect((await a.m.friends()).friends.map((f) => f.userId)).toEqual([b.userId])
    const fb = (await b.m.friends()).friends
    expect(fb).toHaveLength(1)
    expect(fb[0]).toMatchObject({userId: a.userId, nickname: expect.stringMatching(/^a/)})
    expect(await code(a.m.addFriend(a.userId))).toBe('IMH_ERR_BAD_REQUEST')
    expect(await code(a.m.addFriend('u-nobody'))).toBe('IMH_ERR_UNKNOWN_USER')
    expect(await code(new MomentsClient(new ShortClient(server.urls.short)).friends())).toBe('IMH_ERR_SESSION_INVALID')
  })
})

describe('moments (PROTOCOL.md §15.2–§15.5)', () => {
  it('shows own and friends\' moments newest first, paged without duplicates while others post', async () => {
    const a = await user('a')
    const b = await user('b')
    await a.m.addFriend(b.userId)
    const ids: string[] = []
    for (let i = 0; i < 7; i++) ids.push((await (i % 2 ? a : b).m.post(`post ${i}`)).momentId)
    const seen: string[] = []
    let page = await a.m.timeline(undefined, 3)
    seen.push(...page.moments.map((m) => m.momentId))
    await b.m.post('late')
    while (page.next) {
      page = await a.m.timeline(page.next, 3)
      seen.push(...page.moments.map((m) => m.momentId))
    }
    expect(seen).toEqual([...ids].reverse())
    const first = (await a.m.timeline()).moments[0]!
    expect(first).toMatchObject({text: 'late', author: {userId: b.userId}, media: [], likes: [], comments: []})
  })

  it('hides a moment from strangers: not in the timeline, get/like/comment answer IMH_ERR_MOMENT_NOT_FOUND', async () => {
    const a = await user('a')
    const stranger = await user('s')
    const {momentId} = await a.m.post('private')
    expect((await stranger.m.timeline()).moments).toEqual([])
    expect(await code(stranger.m.get(momentId))).toBe('IMH_ERR_MOMENT_NOT_FOUND')
    expect(await code(stranger.m.like(momentId))).toBe('IMH_ERR_MOMENT_NOT_FOUND')
    expect(await code(stranger.m.comment(momentId, 'hi'))).toBe('IMH_ERR_MOMENT_NOT_FOUND')
    expect(await code(a.m.get('mo-none'))).toBe('IMH_ERR_MOMENT_NOT_FOUND')
    expect((await a.m.get(momentId)).moment.likes).toEqual([])
  })

  it('shows likes and comments only to mutual friends', async () => {
    const a = await user('a')
    const b = await user('b')
    const c = await user('c')
    await a.m.addFriend(b.userId)
    await a.m.addFriend(c.userId)
    const {momentId} = await a.m.post('hello')
    await b.m.like(momentId)
    await b.m.like(momentId)
    await b.m.comment(momentId, 'nice')
    expect((await a.m.get(momentId)).moment).toMatchObject({likes: [b.userId], comments: [{from: b.userId, text: 'nice'}]})
    expect((await c.m.get(momentId)).moment).toMatchObject({likes: [], comments: []})
    await b.m.addFriend(c.userId)
    expect((await c.m.get(momentId)).moment.likes).toEqual([b.userId])
  })

  it('checks bodies and media ids', async () => {
    const a = await user('a')
    const b = await user('b')
    const post = (body: unknown) => a.short.raw('POST', SHORT_ROUTES.momentsPost.path, {body: JSON.stringify(body), headers: {'content-type': 'application/json', authorization: `Bearer ${a.short.token}`}})
    for (const body of [{text: 5, mediaIds: []}, {text: 'x'}, {text: '', mediaIds: []}, {text: 'x'.repeat(2001), mediaIds: []}, {text: 'x', mediaIds: [1]}]) {
      expect((await post(body)).json).toMatchObject({ret: 400, code: 'IMH_ERR_BAD_REQUEST'})
    }
    expect(await code(a.m.post('x', ['nope']))).toBe('IMH_ERR_MEDIA_NOT_FOUND')
    expect(await code(a.m.timeline(undefined, 0))).toBe('IMH_ERR_BAD_REQUEST')
    expect(await code(a.m.timeline('garbage'))).toBe('IMH_ERR_BAD_REQUEST')
    expect(await code(a.m.comment('mo1', ''))).toBe('IMH_ERR_BAD_REQUEST')
    // Someone else's upload is not the poster's to use.
    const media = new MediaClient({base: server.groups.media[0]!})
    const up = await media.upload(b.short.token!, 'image/png', Buffer.from('\x89PNG\r\n\x1a\n0000'))
    expect(await code(a.m.post('x', [up.mediaId]))).toBe('IMH_ERR_MEDIA_NOT_FOUND')
    const mine = await media.upload(a.short.token!, 'image/png', Buffer.from('\x89PNG\r\n\x1a\n0000'))
    const {momentId} = await a.m.post('', [mine.mediaId])
    expect((await a.m.get(momentId)).moment.media).toEqual([{mediaId: mine.mediaId, url: mine.url}])
  })
})

describe('notices over the long link (PROTOCOL.md §15.6)', () => {
  it('a like and a comment reach the online author as SYNC_NOTIFY {category: moments}, then SYNC category moments', async () => {
    const author = await online('author')
    const friend = await user('f')
    await author.m.addFriend(friend.userId)
    const notices: MomentNotice[] = []
    let chatNotifies = 0
    author.c.on('notice', (x) => notices.push(x))
    author.c.on('notify', () => chatNotifies++)
    const {momentId} = await author.m.post('look')
    await friend.m.like(momentId)
    await until(() => notices.length === 1)
    await friend.m.comment(momentId, 'wow')
    await until(() => notices.length === 2)
    expect(notices).toMatchObject([{seq: 1, kind: 'like', momentId, from: friend.userId}, {seq: 2, kind: 'comment', text: 'wow', from: friend.userId}])
    expect(chatNotifies).toBe(0)
    // The author's own like notifies nobody.
    await author.m.like(momentId)
    await new Promise((r) => setTimeout(r, 50))
    expect(notices).toHaveLength(2)
  })

  it('keeps chat and moments inboxes apart: own epochs and seqs, and the notify body names the category', async () => {
    const author = await user('author')
    const friend = await user('f')
    await author.m.addFriend(friend.userId)
    const link = await LongLink.connect(server.urls.long)
    try {
      await link.call(CMD.AUTH, {token: author.short.token})
      const pushes: Buffer[] = []
      link.on('push', (f) => pushes.push(f.body))
      const {momentId} = await author.m.post('look')
      await friend.m.like(momentId)
      await until(() => pushes.length === 1)
      expect(parseJsonBody(pushes[0]!)).toEqual({category: 'moments'})
      const chat = await link.call<{messages: unknown[]; syncKey: {epoch: number}}>(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}})
      expect(chat.messages).toEqual([])
      const moments = await link.call<NoticeSyncReply>(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}, category: 'moments'})
      expect(moments.notices).toMatchObject([{seq: 1, kind: 'like', from: friend.userId}])
      expect(moments).not.toHaveProperty('messages')
      expect(moments.syncKey.epoch).not.toBe(chat.syncKey.epoch)
      expect(await code(link.call(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}, category: 'nope'}))).toBe('IMH_ERR_BAD_BODY')
      // Coalescing is per category: a second moments notice waits for a moments SYNC, chat does not.
      pushes.length = 0
      await friend.m.comment(momentId, 'one')
      await until(() => pushes.length === 1)
      await friend.m.comment(momentId, 'two')
      const sender = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `snd${++n}`, password: 'pw'}, register: true, heartbeat: false})
      clients.push(sender)
      await sender.start()
      await sender.sendText(author.userId, 'hello', 'c-1')
      await until(() => pushes.length === 2)
      await new Promise((r) => setTimeout(r, 50))
      expect(pushes.map((b) => b.length)).toEqual([expect.any(Number), 0])
      const more = await link.call<NoticeSyncReply>(CMD.SYNC, {syncKey: moments.syncKey, category: 'moments'})
      expect(more.notices.map((x) => x.text)).toEqual(['one', 'two'])
    } finally {
      link.terminate()
    }
  })
})
