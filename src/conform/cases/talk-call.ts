import type {RemoteInfo, Socket} from 'node:dgram'
import {type StunServer, parseStunServer} from '../../client/stun-client.js'
import {TalkClient} from '../../client/talk-client.js'
import type {VirtualClient} from '../../client/virtual-client.js'
import {
  CMD, type DecodedRelayDatagram, ImhError, type RelayRole, type TalkEndReason, type TalkInviteReply, type TalkJoinReply, decodeRelay, encodeRelay,
  isImhError, isRelayDatagram, parseTalkInviteReply, parseTalkJoinReply, unmapIPv4,
} from '../../protocol/index.js'
import {type CaseContext, sleep} from '../context.js'
import {check, checkEqual, checkRejects} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {caseSocket} from './udp-util.js'
import {must} from './util.js'

/** Datagrams each party sends in the relay cases: well inside the reference server's default bucket (50). */
const BURST = 20
/** Their pace, datagrams per second (the reference default refill is 200). */
const BURST_PPS = 100

/** One user of a case: a started virtual client and its talk role. */
interface Party {
  client: VirtualClient
  talk: TalkClient
  id: string
}

async function party(ctx: CaseContext): Promise<Party> {
  const client = await ctx.client()
  const talk = TalkClient.of(client)
  talk.on('error', () => {})
  return {client, talk, id: client.userId!}
}

/** A reply checked against §11.2's shape. */
function shaped<T>(parse: (v: unknown) => T, v: unknown, what: string): T {
  try {
    return parse(v)
  } catch (err) {
    if (err instanceof ImhError) throw new CaseFailure(`${what}: ${err.message}: ${JSON.stringify(v)}`)
    throw err
  }
}

async function invite(ctx: CaseContext, caller: Party, callee: Party): Promise<TalkInviteReply> {
  const reply = shaped(parseTalkInviteReply, await must(caller.talk.invite(callee.id, ctx.ms(5000)), 'TALK_INVITE'), 'TALK_INVITE reply')
  // Whatever the case does, leave no call behind (a remote target keeps users busy otherwise).
  ctx.onCleanup(() => caller.talk.hangup(reply.callId, ctx.ms(2000)).catch(() => undefined))
  return reply
}

async function waitRing(ctx: CaseContext, callee: Party, callId: string): Promise<void> {
  await must(callee.talk.waitRing((r) => r.callId === callId, ctx.ms(5000)), `TALK_RING for call ${callId} to the callee`)
}

/** invite → ring → join → joined; returns both replies. */
async function joinedCall(ctx: CaseContext, caller: Party, callee: Party): Promise<{invite: TalkInviteReply; join: TalkJoinReply}> {
  const inv = await invite(ctx, caller, callee)
  await waitRing(ctx, callee, inv.callId)
  const join = shaped(parseTalkJoinReply, await must(callee.talk.join(inv.callId, ctx.ms(5000)), 'TALK_JOIN by the callee'), 'TALK_JOIN reply')
  await must(caller.talk.waitJoined(inv.callId, ctx.ms(5000)), 'TALK_JOINED to the caller')
  return {invite: inv, join}
}

/** The TALK_ENDED `who` gets for `callId`, checked for its reason. */
async function expectEnded(ctx: CaseContext, who: Party, whoName: string, callId: string, reason: TalkEndReason, timeoutMs = ctx.ms(5000)): Promise<void> {
  let ended
  try {
    ended = await who.talk.waitEnded(callId, timeoutMs)
  } catch (err) {
    if (isImhError(err)) throw new CaseFailure(`the ${whoName} got no TALK_ENDED for call ${callId} within ${timeoutMs} ms (expected reason "${reason}")`)
    throw err
  }
  checkEqual(ended.reason, reason, `TALK_ENDED to the ${whoName}: reason`)
}

/** The party whose request ended a call must get no TALK_ENDED for it (§11.2). */
async function expectNoEnded(ctx: CaseContext, who: Party, whoName: string, callId: string): Promise<void> {
  await sleep(ctx.ms(200))
  const got = who.talk.history.find((h) => h.kind === 'ended' && h.body.callId === callId)
  check(!got, `the ${whoName}, whose request ended the call, got TALK_ENDED ${JSON.stringify(got?.body)}; the server must not send it to that party`)
}

// ---- relay (§11.3) ----


/** The first relay address: a target that implements talk offers its relay (PROTOCOL.md §2.2, §11.3). */
function firstRelay(reply: {relays: string[]}): StunServer {
  const url = reply.relays[0]
  if (url === undefined) throw new CaseFailure('the call\'s relay list is empty, though the target implements talk, whose relay it must offer (PROTOCOL.md §2.2, §11.3)')
  try {
    return parseStunServer(url)
  } catch (err) {
    throw new CaseFailure(`relay address ${JSON.stringify(url)} is not udp://host:port: ${(err as Error).message}`)
  }
}

/** One UDP socket speaking relay datagrams to one relay address, keeping what came back from it. */
class RelaySocket {
  readonly received: DecodedRelayDatagram[] = []
  private seq = 0
  private constructor(readonly socket: Socket, readonly relay: StunServer, readonly token: string, readonly role: RelayRole) {
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      if (rinfo.port !== relay.port || !isRelayDatagram(msg)) return
      try {
        this.received.push(decodeRelay(msg))
      } catch {
        // Not ours to judge here: the cases count what decodes.
      }
    })
    socket.on('error', () => {})
  }

  static async open(ctx: CaseContext, relay: StunServer, token: string, role: RelayRole): Promise<RelaySocket> {
    return new RelaySocket(await caseSocket(ctx, relay), relay, token, role)
  }

  send(seq = this.seq++, token = this.token, role = this.role): void {
    this.socket.send(encodeRelay({role, token, seq, sendTime: Date.now(), payload: Buffer.alloc(32, 0x55)}), this.relay.port, unmapIPv4(this.relay.host))
  }

  /** Datagrams from the other role with a seq in [from, to). */
  got(from: number, to = Infinity): number {
    return new Set(this.received.filter((d) => d.token === this.token && d.role !== this.role && d.seq >= from && d.seq < to).map((d) => d.seq)).size
  }

  async burst(n: number, pps: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.send()
      await sleep(1000 / pps)
    }
  }
}

/** Waits up to timeoutMs for `cond`; false if it never held. */
async function eventually(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) return false
    await sleep(5)
  }
  return true
}

/**
 * A joined call with both roles learned by the relay: the caller's first datagram opens its side
 * (and may find no peer), the callee's first one reaches the caller, then the caller's reaches
 * the callee (§11.3 steps 2 and 5).
 */
async function relayedCall(ctx: CaseContext) {
  const caller = await party(ctx)
  const callee = await party(ctx)
  const call = await joinedCall(ctx, caller, callee)
  const a = await RelaySocket.open(ctx, firstRelay(call.invite), call.invite.relayToken, 'caller')
  const b = await RelaySocket.open(ctx, firstRelay(call.join), call.join.relayToken, 'callee')
  // UDP may lose a datagram even on loopback: open each side until the other hears it.
  let opened = false
  for (let i = 0; i < 5 && !opened; i++) {
    a.send()
    await sleep(ctx.ms(50))
    b.send()
    opened = await eventually(() => a.got(0) > 0, ctx.ms(300))
  }
  check(opened, 'the caller received none of the callee\'s datagrams after both sent (relay: first datagrams open each side, then it forwards)')
  let both = false
  for (let i = 0; i < 5 && !both; i++) {
    a.send()
    both = await eventually(() => b.got(0) > 0, ctx.ms(300))
  }
  check(both, 'the callee received none of the caller\'s datagrams after both sides were open')
  return {caller, callee, ...call, a, b}
}

/** Two fresh parties; the caller has invited and the callee's phone rings. */
async function ringingCall(ctx: CaseContext) {
  const caller = await party(ctx)
  const callee = await party(ctx)
  const inv = await invite(ctx, caller, callee)
  await waitRing(ctx, callee, inv.callId)
  return {caller, callee, inv}
}

/** One party hangs up a ringing call: the other gets TALK_ENDED with `reason`, the hanger none. */
async function hangUpWhileRinging(ctx: CaseContext, by: 'caller' | 'callee', reason: 'cancelled' | 'declined') {
  const {caller, callee, inv} = await ringingCall(ctx)
  const [hanger, other, otherRole] = by === 'caller' ? [caller, callee, 'callee' as const] : [callee, caller, 'caller' as const]
  await must(hanger.talk.hangup(inv.callId, ctx.ms(5000)), `TALK_HANGUP by the ${by} while ringing`)
  await expectEnded(ctx, other, otherRole, inv.callId, reason)
  await expectNoEnded(ctx, hanger, by, inv.callId)
  return {caller, callee, inv}
}

export const talkCallCases: readonly CaseDefinition[] = [
  {
    id: 'talk.invite-join',
    section: '11.2',
    level: 'MUST',
    requirement: 'TALK_INVITE rings the callee; TALK_JOIN gives the callee the caller\'s relayToken and relay list, and the caller gets TALK_JOINED',
    async run(ctx) {
      const caller = await party(ctx)
      const callee = await party(ctx)
      const inv = await invite(ctx, caller, callee)
      check(inv.callId.length <= 128, `TALK_INVITE reply: callId is ${inv.callId.length} characters, over 128`)
      const ring = await must(callee.talk.waitRing((r) => r.callId === inv.callId, ctx.ms(5000)), `TALK_RING for call ${inv.callId} to the callee`)
      checkEqual(ring, {callId: inv.callId, caller: caller.id, ringTimeoutMs: inv.ringTimeoutMs}, 'TALK_RING body')
      const join = shaped(parseTalkJoinReply, await must(callee.talk.join(inv.callId, ctx.ms(5000)), 'TALK_JOIN by the callee'), 'TALK_JOIN reply')
      checkEqual(join.callId, inv.callId, 'TALK_JOIN reply: callId')
      checkEqual(join.relayToken, inv.relayToken, 'TALK_JOIN reply: relayToken (must be the caller\'s)')
      checkEqual(join.relays, inv.relays, 'TALK_JOIN reply: relays (must be the caller\'s)')
      await must(caller.talk.waitJoined(inv.callId, ctx.ms(5000)), 'TALK_JOINED to the caller')
      // A second call gets a fresh token.
      await must(caller.talk.hangup(inv.callId, ctx.ms(5000)), 'TALK_HANGUP by the caller')
      await expectEnded(ctx, callee, 'callee', inv.callId, 'hangup')
      const again = await invite(ctx, caller, callee)
      check(again.relayToken !== inv.relayToken, 'two calls got the same relayToken; it must be fresh for every call')
    },
  },
  {
    id: 'talk.hangup',
    section: '11.2',
    level: 'MUST',
    requirement: 'TALK_HANGUP of a joined call replies {} and sends TALK_ENDED "hangup" to the other party only; the call is then unknown',
    async run(ctx) {
      const caller = await party(ctx)
      const callee = await party(ctx)
      const {invite: inv} = await joinedCall(ctx, caller, callee)
      const reply = await must(callee.talk.link.call(CMD.TALK_HANGUP, {callId: inv.callId}, ctx.ms(5000)), 'TALK_HANGUP by the callee')
      checkEqual(reply, {}, 'TALK_HANGUP reply')
      await expectEnded(ctx, caller, 'caller', inv.callId, 'hangup')
      await expectNoEnded(ctx, callee, 'callee', inv.callId)
      await checkRejects(caller.talk.hangup(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_UNKNOWN_CALL', 'TALK_HANGUP of an ended call')
    },
  },
  {
    id: 'talk.cancel',
    section: '11.2',
    level: 'MUST',
    requirement: 'the caller hanging up a ringing call sends TALK_ENDED "cancelled" to the callee; the callee can no longer join',
    async run(ctx) {
      const {callee, inv} = await hangUpWhileRinging(ctx, 'caller', 'cancelled')
      await checkRejects(callee.talk.join(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_UNKNOWN_CALL', 'TALK_JOIN of a cancelled call')
    },
  },
  {
    id: 'talk.decline',
    section: '11.2',
    level: 'MUST',
    requirement: 'the callee hanging up a ringing call sends TALK_ENDED "declined" to the caller',
    async run(ctx) {
      await hangUpWhileRinging(ctx, 'callee', 'declined')
    },
  },
  {
    id: 'talk.busy',
    section: '11.2',
    level: 'MUST',
    requirement: 'TALK_INVITE to a user in a call, or by a caller in a call, is refused with IMH_ERR_TALK_BUSY',
    async run(ctx) {
      const {caller, callee, inv} = await ringingCall(ctx)
      const third = await party(ctx)
      await checkRejects(third.talk.invite(callee.id, ctx.ms(5000)), 'IMH_ERR_TALK_BUSY', 'TALK_INVITE to a user whose phone rings')
      await checkRejects(caller.talk.invite(third.id, ctx.ms(5000)), 'IMH_ERR_TALK_BUSY', 'TALK_INVITE by a caller already in a ringing call')
      await must(callee.talk.join(inv.callId, ctx.ms(5000)), 'TALK_JOIN by the callee')
      await checkRejects(third.talk.invite(caller.id, ctx.ms(5000)), 'IMH_ERR_TALK_BUSY', 'TALK_INVITE to a user in a joined call')
    },
  },
  {
    id: 'talk.offline',
    section: '11.2',
    level: 'MUST',
    requirement: 'TALK_INVITE to a registered user with no authenticated long link is refused with IMH_ERR_TALK_OFFLINE',
    async run(ctx) {
      const caller = await party(ctx)
      const absent = await ctx.newUser('off')
      await checkRejects(caller.talk.invite(absent.userId, ctx.ms(5000)), 'IMH_ERR_TALK_OFFLINE', 'TALK_INVITE to a user without a long link')
    },
  },
  {
    id: 'talk.ring-timeout',
    section: '11.2',
    level: 'MUST',
    requirement: 'a call nobody joins within ringTimeoutMs ends with TALK_ENDED "timeout" to both parties',
    waits: 'ringTimeoutMs',
    async run(ctx) {
      const caller = await party(ctx)
      const callee = await party(ctx)
      const inv = await invite(ctx, caller, callee)
      try {
        ctx.needWait('ringTimeoutMs', inv.ringTimeoutMs)
      } catch (err) {
        await caller.talk.hangup(inv.callId, ctx.ms(5000)).catch(() => undefined)
        throw err
      }
      const started = Date.now()
      await waitRing(ctx, callee, inv.callId)
      const wait = inv.ringTimeoutMs + ctx.ms(3000)
      await expectEnded(ctx, caller, 'caller', inv.callId, 'timeout', wait)
      await expectEnded(ctx, callee, 'callee', inv.callId, 'timeout', wait)
      const elapsed = Date.now() - started
      check(elapsed >= inv.ringTimeoutMs * 0.8, `the call timed out after ${elapsed} ms, well before its ringTimeoutMs of ${inv.ringTimeoutMs}`)
      await checkRejects(callee.talk.join(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_UNKNOWN_CALL', 'TALK_JOIN of a timed-out call')
    },
  },
  {
    id: 'talk.not-party',
    section: '11.2',
    level: 'MUST',
    requirement: 'a user who is not a party cannot join or hang up a call (IMH_ERR_TALK_NOT_PARTY), nor can the caller join; the call goes on',
    async run(ctx) {
      const {caller, callee, inv} = await ringingCall(ctx)
      const third = await party(ctx)
      await checkRejects(third.talk.join(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_NOT_PARTY', 'TALK_JOIN by a third user')
      await checkRejects(third.talk.hangup(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_NOT_PARTY', 'TALK_HANGUP by a third user')
      await checkRejects(caller.talk.join(inv.callId, ctx.ms(5000)), 'IMH_ERR_TALK_NOT_PARTY', 'TALK_JOIN by the caller')
      const ended = [...caller.talk.history, ...callee.talk.history].find((h) => h.kind === 'ended' && h.body.callId === inv.callId)
      check(!ended, `the refused requests ended the call: ${JSON.stringify(ended?.body)}`)
      const join = await must(callee.talk.join(inv.callId, ctx.ms(5000)), 'TALK_JOIN by the callee after the refusals')
      checkEqual(join.relayToken, inv.relayToken, 'TALK_JOIN reply: relayToken')
    },
  },
  {
    id: 'talk.relay-forward',
    section: '11.3',
    level: 'MUST',
    requirement: 'the relay forwards each party\'s datagrams, unchanged, to the other party of the call, both ways',
    async run(ctx) {
      const {a, b} = await relayedCall(ctx)
      const bFrom = b.received.length
      const firstA = 1000
      const firstB = 2000
      const sendA = (async () => {
        for (let i = 0; i < BURST; i++) {
          a.send(firstA + i)
          await sleep(1000 / BURST_PPS)
        }
      })()
      const sendB = (async () => {
        for (let i = 0; i < BURST; i++) {
          b.send(firstB + i)
          await sleep(1000 / BURST_PPS)
        }
      })()
      await Promise.all([sendA, sendB])
      // Loopback UDP normally loses nothing; allow one datagram in ten for a remote target.
      const need = Math.ceil(BURST * 0.9)
      await eventually(() => b.got(firstA, firstA + BURST) >= need && a.got(firstB, firstB + BURST) >= need, ctx.ms(2000))
      check(b.got(firstA, firstA + BURST) >= need, `the callee received ${b.got(firstA, firstA + BURST)} of the caller's ${BURST} datagrams (at ${BURST_PPS}/s)`)
      check(a.got(firstB, firstB + BURST) >= need, `the caller received ${a.got(firstB, firstB + BURST)} of the callee's ${BURST} datagrams (at ${BURST_PPS}/s)`)
      const fromA = b.received.slice(bFrom).find((d) => d.seq === firstA)
      if (fromA) checkEqual(fromA.payload.length, 32, 'forwarded datagram: payload length (must be unchanged)')
    },
  },
  {
    id: 'talk.relay-hijack',
    section: '11.3',
    level: 'MUST',
    requirement: 'once a role is learned, datagrams with the call\'s token and that role from another address or port are never delivered to a party',
    async run(ctx) {
      const {a, b} = await relayedCall(ctx)
      const stranger = await RelaySocket.open(ctx, a.relay, a.token, 'caller')
      // The stranger claims each role in turn, with seqs no party uses.
      for (let i = 0; i < 10; i++) {
        stranger.send(900_000 + i, a.token, 'caller')
        stranger.send(950_000 + i, b.token, 'callee')
        await sleep(5)
      }
      await sleep(ctx.ms(300))
      check(b.got(900_000, 1_000_000) === 0, `the callee received ${b.got(900_000, 1_000_000)} datagrams a stranger socket sent with the call's token as the caller (hijack)`)
      check(a.got(900_000, 1_000_000) === 0, `the caller received ${a.got(900_000, 1_000_000)} datagrams a stranger socket sent with the call's token as the callee (hijack)`)
      check(stranger.received.length === 0, `the stranger socket received ${stranger.received.length} relay datagrams`)
      // The parties still reach each other.
      a.send(5000)
      const ok = await eventually(() => b.got(5000, 5001) === 1, ctx.ms(1000))
      check(ok, 'after the stranger\'s datagrams the caller no longer reaches the callee')
    },
  },
  {
    id: 'talk.relay-unknown-token',
    section: '11.3',
    level: 'MUST',
    requirement: 'datagrams with a token of no call are never forwarded',
    async run(ctx) {
      const {a, b} = await relayedCall(ctx)
      const fake = (a.token[0] === 'f' ? '0' : 'f') + a.token.slice(1)
      const random = await RelaySocket.open(ctx, a.relay, fake, 'caller')
      for (let i = 0; i < 10; i++) {
        // From a party's own socket too: the token, not the address, is what counts.
        a.send(700_000 + i, fake)
        random.send(750_000 + i, fake, 'callee')
        await sleep(5)
      }
      await sleep(ctx.ms(300))
      const leaked = [...a.received, ...b.received, ...random.received].filter((d) => d.token === fake)
      check(leaked.length === 0, `${leaked.length} datagrams with a token of no call were forwarded (seqs ${leaked.slice(0, 5).map((d) => d.seq).join(', ')})`)
    },
  },
  {
    id: 'talk.relay-ended-token',
    section: '11.3',
    level: 'MUST',
    requirement: 'after a call is hung up its token is dead: the relay forwards none of its datagrams',
    async run(ctx) {
      const {caller, a, b, invite: inv} = await relayedCall(ctx)
      await must(caller.talk.hangup(inv.callId, ctx.ms(5000)), 'TALK_HANGUP by the caller')
      await sleep(ctx.ms(100))
      for (let i = 0; i < 10; i++) {
        a.send(800_000 + i)
        b.send(850_000 + i)
        await sleep(5)
      }
      await sleep(ctx.ms(300))
      const aGot = a.got(800_000, 900_000)
      const bGot = b.got(800_000, 900_000)
      check(aGot + bGot === 0, `after the hang-up the relay still forwarded ${bGot} of the caller's and ${aGot} of the callee's datagrams`)
    },
  },
]
