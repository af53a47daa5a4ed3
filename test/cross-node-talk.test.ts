import {afterEach, describe, expect, it} from 'vitest'
import {RelayPeer, TalkClient, probeStun} from '../src/client/index.js'
import {isImhError} from '../src/protocol/index.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'
import {type TwoNodes, useTwoNodes} from './support/two-nodes.js'
import {udp} from './support/udp.js'

warnIfNoRedis('the cross-node talk tests')

const RING_MS = 400

describe.runIf(redisTests)('talk across two nodes sharing a Redis (PROTOCOL.md §2.5, §11)', () => {
  const nodes = useTwoNodes()
  let group: TwoNodes | undefined
  const peers: RelayPeer[] = []
  afterEach(() => {
    for (const p of peers.splice(0)) p.close()
  })

  /** A talk user on node `i`. */
  async function talker(i: 0 | 1, name: string) {
    const client = await group!.user(i, name)
    return {client, talk: TalkClient.of(client), id: client.userId!}
  }

  async function party(reply: {relays: string[]; relayToken: string; role: 'caller' | 'callee'}, host: string): Promise<RelayPeer> {
    const socket = await udp('udp4', host)
    const probe = await probeStun({servers: reply.relays, socket, rtoMs: 100, maxSends: 3, finalWaitFactor: 2})
    const peer = new RelayPeer({socket, relay: probe.pickPath()!.server, token: reply.relayToken, role: reply.role})
    peers.push(peer)
    return peer
  }

  it('rings, joins and relays both ways between a caller on one node and a callee on the other; a hang-up on one node ends the relay session on the other', async () => {
    group = await nodes.start({talkRingTimeoutMs: RING_MS})
    const [a, b] = group.nodes
    const {talk: alice} = await talker(0, 'alice')
    const {talk: bob, id: bobId} = await talker(1, 'bob')
    const invite = await alice.invite(bobId)
    expect(invite.relays).toEqual(a.groups.relay)
    await bob.waitRing((r) => r.callId === invite.callId)
    const join = await bob.join(invite.callId)
    // The same relay, whichever node answered: the one the call was set up on.
    expect(join).toMatchObject({relayToken: invite.relayToken, relays: invite.relays})
    expect(join.relays).not.toEqual(b.groups.relay)
    await alice.waitJoined(invite.callId)
    // Joined calls do not time out.
    await new Promise((r) => setTimeout(r, RING_MS + 100))

    const pa = await party(invite, '127.0.0.2')
    const pb = await party(join, '127.0.0.3')
    pa.send(0)
    await expect.poll(() => a.flows.talk.relay.stats.noPeer).toBe(1)
    pb.send(0)
    await pa.waitReceived(1)
    pa.send(1)
    await pb.waitReceived(1)
    const [sentA, sentB] = await Promise.all([pa.burst({pps: 100, size: 100, durationMs: 200}), pb.burst({pps: 100, size: 100, durationMs: 200})])
    await Promise.all([pb.waitReceived(sentA + 1), pa.waitReceived(sentB + 1)])
    expect(a.flows.talk.relay.stats).toMatchObject({unknownToken: 0, hijack: 0})
    expect(a.flows.talk.relay.sessions).toBe(1)

    // Bob hangs up on node 1: alice hears it on node 0, and node 0's relay forgets the token.
    await bob.hangup(invite.callId)
    expect(await alice.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'hangup'})
    await expect.poll(() => a.flows.talk.relay.sessions).toBe(0)
    pa.send(2)
    await expect.poll(() => a.flows.talk.relay.stats.unknownToken).toBe(1)
  })

  it('a user is in one call across nodes; the ring times out for both; an offline callee on the other node is refused', async () => {
    group = await nodes.start({talkRingTimeoutMs: RING_MS})
    const {talk: alice} = await talker(0, 'alice')
    const {talk: bob, client: bobClient} = await talker(1, 'bob')
    const {talk: carol, client: carolClient} = await talker(1, 'carol')
    const invite = await alice.invite(bobClient.userId!)
    await bob.waitRing((r) => r.callId === invite.callId)
    // Carol, on bob's node, cannot call bob, nor can bob call anyone: bob is in alice's call.
    for (const p of [carol.invite(bobClient.userId!), bob.invite(carolClient.userId!)]) {
      const err = await p.then(() => undefined, (e: unknown) => e)
      expect(isImhError(err) ? err.code : err).toBe('IMH_ERR_TALK_BUSY')
    }
    expect(await bob.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'timeout'})
    expect(await alice.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'timeout'})
    // Free again, across nodes.
    const again = await carol.invite(bobClient.userId!)
    await bob.waitRing((r) => r.callId === again.callId)
    await bob.hangup(again.callId)
    expect(await carol.waitEnded(again.callId)).toEqual({callId: again.callId, reason: 'declined'})

    await carolClient.close()
    await expect.poll(async () => {
      const err = await alice.invite(carolClient.userId!).then(() => undefined, (e: unknown) => e)
      return isImhError(err) ? err.code : err
    }).toBe('IMH_ERR_TALK_OFFLINE')
  })

  it('a party whose link closes on one node ends the call for the other party on the other node (offline)', async () => {
    group = await nodes.start({talkRingTimeoutMs: 5000})
    const {talk: alice, client: aliceClient} = await talker(0, 'alice')
    const {talk: bob, id: bobId} = await talker(1, 'bob')
    const invite = await alice.invite(bobId)
    await bob.waitRing((r) => r.callId === invite.callId)
    await bob.join(invite.callId)
    await alice.waitJoined(invite.callId)
    await aliceClient.close()
    expect(await bob.waitEnded(invite.callId)).toEqual({callId: invite.callId, reason: 'offline'})
  })
})
