import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {TalkClient, VirtualClient} from '../src/client/index.js'
import {CMD, type ErrorCode, ImhError, RELAY_TOKEN_PATTERN, encodeFrame, isImhError} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'

const RING_MS = 300
let server: ReferenceServer
const clients: VirtualClient[] = []
let n = 0

beforeEach(async () => {
  server = await startReferenceServer({port: 0, limits: {talkRingTimeoutMs: RING_MS}})
  if (server.groups.relay.length === 0) server.groups.relay.push('udp://127.0.0.1:3478')
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await server.close()
})

interface User { client: VirtualClient; talk: TalkClient; id: string }

async function user(name: string): Promise<User> {
  const client = new VirtualClient({resolve: {scheduler: server.urls.scheduler}, credentials: {username: `${name}${n++}`, password: 'pw'}, register: true, heartbeat: false})
  clients.push(client)
  await client.start()
  return {client, talk: TalkClient.of(client), id: client.userId!}
}

async function refused(p: Promise<unknown>, code: ErrorCode): Promise<ImhError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isImhError(err) ? err.code : err).toBe(code)
  return err as ImhError
}

/** alice calls bob; bob's ring has come. */
async function ringing(alice: User, bob: User) {
  const invite = await alice.talk.invite(bob.id)
  const ring = await bob.talk.waitRing((r) => r.callId === invite.callId)
  return {invite, ring}
}

describe('talk call signalling (PROTOCOL.md §11.2)', () => {
  it('invite → ring → join → joined; both get the same relay token and the relay group; hangup ends it', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const {invite, ring} = await ringing(alice, bob)
    expect(invite).toMatchObject({role: 'caller', ringTimeoutMs: RING_MS, relays: server.groups.relay})
    expect(invite.relayToken).toMatch(RELAY_TOKEN_PATTERN)
    expect(ring).toEqual({callId: invite.callId, caller: alice.id, ringTimeoutMs: RING_MS})

    const join = await bob.talk.join(invite.callId)
    expect(join).toEqual({callId: invite.callId, role: 'callee', relayToken: invite.relayToken, relays: server.groups.relay})
    expect(await alice.talk.waitJoined(invite.callId)).toEqual({callId: invite.callId})

    // Joined calls do not time out.
    await new Promise((r) => setTimeout(r, RING_MS + 100))
    await bob.talk.hangup(invite.callId)
    expect(await alice.talk.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'hangup'})
    expect(bob.talk.history.some((h) => h.kind === 'ended')).toBe(false)
    // The call is gone: a second hangup is refused, and both can call again.
    await refused(alice.talk.hangup(invite.callId), 'IMH_ERR_TALK_UNKNOWN_CALL')
    const again = await bob.talk.invite(alice.id)
    await alice.talk.waitRing((r) => r.callId === again.callId)
    expect(again.relayToken).not.toBe(invite.relayToken)
  })

  it('the caller hanging up before the answer cancels; the callee hanging up declines', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const first = await ringing(alice, bob)
    await alice.talk.hangup(first.invite.callId)
    expect(await bob.talk.waitEnded(first.invite.callId)).toEqual({callId: first.invite.callId, reason: 'cancelled'})
    await refused(bob.talk.join(first.invite.callId), 'IMH_ERR_TALK_UNKNOWN_CALL')

    const second = await ringing(alice, bob)
    await bob.talk.hangup(second.invite.callId)
    expect(await alice.talk.waitEnded(second.invite.callId)).toEqual({callId: second.invite.callId, reason: 'declined'})
  })

  it('refuses calling a user in a call (ringing or joined), and a caller already in one, with IMH_ERR_TALK_BUSY', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const carol = await user('carol')
    const {invite} = await ringing(alice, bob)
    await refused(carol.talk.invite(bob.id), 'IMH_ERR_TALK_BUSY')
    await refused(carol.talk.invite(alice.id), 'IMH_ERR_TALK_BUSY')
    await refused(alice.talk.invite(carol.id), 'IMH_ERR_TALK_BUSY')
    await bob.talk.join(invite.callId)
    const err = await refused(carol.talk.invite(bob.id), 'IMH_ERR_TALK_BUSY')
    expect(err.ret).toBe(486)
    // The refusals are not fatal and rang nobody.
    expect(carol.client.link!.closed).toBeUndefined()
    expect(carol.talk.history).toEqual([])
  })

  it('refuses an offline callee (480), an unknown user and calling yourself', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    await bob.client.close()
    const err = await refused(alice.talk.invite(bob.id), 'IMH_ERR_TALK_OFFLINE')
    expect(err.ret).toBe(480)
    await refused(alice.talk.invite('u999999'), 'IMH_ERR_UNKNOWN_USER')
    await refused(alice.talk.invite(alice.id), 'IMH_ERR_BAD_BODY')
    await refused(alice.client.link!.call(CMD.TALK_INVITE, {callee: 7}), 'IMH_ERR_BAD_BODY')
    await refused(alice.client.link!.call(CMD.TALK_JOIN, {}), 'IMH_ERR_BAD_BODY')
  })

  it('ends an unanswered call after the ring timeout, telling both parties', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const t0 = Date.now()
    const {invite} = await ringing(alice, bob)
    const [a, b] = await Promise.all([alice.talk.waitEnded(invite.callId, 5000), bob.talk.waitEnded(invite.callId, 5000)])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(RING_MS - 20)
    expect(a).toEqual({callId: invite.callId, reason: 'timeout'})
    expect(b).toEqual({callId: invite.callId, reason: 'timeout'})
    await refused(bob.talk.join(invite.callId), 'IMH_ERR_TALK_UNKNOWN_CALL')
  })

  it('refuses a third user with IMH_ERR_TALK_NOT_PARTY, and the caller joining its own call', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const mallory = await user('mallory')
    const {invite} = await ringing(alice, bob)
    const err = await refused(mallory.talk.join(invite.callId), 'IMH_ERR_TALK_NOT_PARTY')
    expect(err.ret).toBe(403)
    await refused(mallory.talk.hangup(invite.callId), 'IMH_ERR_TALK_NOT_PARTY')
    await refused(alice.talk.join(invite.callId), 'IMH_ERR_TALK_NOT_PARTY')
    // The call is untouched.
    await bob.talk.join(invite.callId)
    await alice.talk.waitJoined(invite.callId)
    await refused(mallory.talk.hangup(invite.callId), 'IMH_ERR_TALK_NOT_PARTY')
  })

  it('answers an unknown call id with IMH_ERR_TALK_UNKNOWN_CALL (404)', async () => {
    const alice = await user('alice')
    const err = await refused(alice.talk.join('no-such-call'), 'IMH_ERR_TALK_UNKNOWN_CALL')
    expect(err.ret).toBe(404)
    await refused(alice.talk.hangup('no-such-call'), 'IMH_ERR_TALK_UNKNOWN_CALL')
  })

  it('ends the call with reason offline when the caller\'s link closes, ringing or joined', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const {invite} = await ringing(alice, bob)
    await alice.client.close()
    expect(await bob.talk.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'offline'})

    const carol = await user('carol')
    const second = await ringing(carol, bob)
    await bob.talk.join(second.invite.callId)
    bob.client.link!.terminate()
    expect(await carol.talk.waitEnded(second.invite.callId)).toEqual({callId: second.invite.callId, reason: 'offline'})
  })

  it('ends the call when a party is kicked by a newer login of the same user', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const {invite} = await ringing(alice, bob)
    const bob2 = new VirtualClient({...bob.client.options, register: false})
    clients.push(bob2)
    await bob2.start()
    expect(await alice.talk.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'offline'})
    // The new login is free for calls.
    const again = await alice.talk.invite(bob.id)
    await TalkClient.of(bob2).waitRing((r) => r.callId === again.callId)
  })

  it('refuses talk pushes sent by the client as server-only commands', async () => {
    const alice = await user('alice')
    const link = alice.client.link!
    const got = new Promise<number>((resolve) => link.once('push', (f) => resolve(f.cmd)))
    const seq = link.nextSeq()
    link.ws.send(encodeFrame(CMD.TALK_RING, seq, {}))
    // The reply is an ERROR with the request's seq; LongLink treats an unawaited seq as a push.
    expect(await got).toBe(CMD.ERROR)
  })
})
