import {randomBytes, randomUUID} from 'node:crypto'
import {
  CMD, type Frame, ImhError, type TalkEndReason, type TalkEndedPush, type TalkInviteReply, type TalkJoinReply,
  type TalkRingPush, parseJsonBody, parseTalkHangup, parseTalkInvite, parseTalkJoin,
} from '../../src/protocol/index.js'
import type {LinkPeer} from '../long/link-peer.js'
import type {LongService} from '../long/long-service.js'
import type {Store} from '../store/store.js'
import {type Call, type CallRegistry, MemoryCallRegistry} from './call-registry.js'

/**
 * Call signalling of real-time talk (PROTOCOL.md §11.2): INVITE → RING → JOIN →
 * JOINED, HANGUP → ENDED, ring timeout, and the end of a call when a party's long link goes.
 */

export interface TalkOptions {
  store: Store
  ringTimeoutMs: number
  /** The relay group handed to both parties (the scheduler's `relay` addresses of the node the call is set up on). */
  relays: () => readonly string[]
  /** The live authenticated link of a user, on this node or (a group sharing a Redis) another. */
  lookup: (userId: string) => Promise<LinkPeer | undefined>
  registry?: CallRegistry
}

export const TALK_REQUEST_CMDS: ReadonlySet<number> = new Set([CMD.TALK_INVITE, CMD.TALK_JOIN, CMD.TALK_HANGUP])

export class TalkService implements LongService {
  readonly cmds = TALK_REQUEST_CMDS
  readonly registry: CallRegistry
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly endedListeners = new Set<(call: Call) => void>()

  private readonly unsubscribe: (() => void) | undefined

  constructor(private readonly options: TalkOptions) {
    this.registry = options.registry ?? new MemoryCallRegistry()
    // Calls another node ended: the relay here forgets them too.
    this.unsubscribe = this.registry.onRemovedElsewhere?.((call) => {
      for (const listener of this.endedListeners) listener(call)
    })
  }

  /**
   * Serves TALK_INVITE, TALK_JOIN or TALK_HANGUP from an authenticated link. `reply` sends the
   * reply body; it is called before any push the request causes, so a party never sees a push
   * about a call before the reply that names it. Refusals are thrown as ImhError.
   */
  async handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void> {
    const body = parseJsonBody(frame.body)
    switch (frame.cmd) {
      case CMD.TALK_INVITE: return await this.invite(from, parseTalkInvite(body).callee, reply)
      case CMD.TALK_JOIN: return await this.join(from, parseTalkJoin(body).callId, reply)
      case CMD.TALK_HANGUP: return await this.hangup(from, parseTalkHangup(body).callId, reply)
      default: throw new ImhError('IMH_ERR_UNKNOWN_CMD', `cmd ${frame.cmd} is not a talk request`)
    }
  }

  /** A link closed or was kicked: its calls end, the other party gets reason 'offline'. */
  linkGone(peer: LinkPeer): void {
    const userId = peer.userId
    if (userId === undefined) return
    void this.registry.ofLink(userId, peer.key).then(async (calls) => {
      for (const call of calls) await this.end(call, 'offline', userId === call.caller ? 'callee' : 'caller')
    }).catch(() => undefined)
  }

  /**
   * What the relay needs of a relayToken: the call it belongs to while that call lives (ringing or
   * joined). The relay asks once per token and keeps the answer until the call ends (onCallEnded).
   */
  async tokenInfo(relayToken: string): Promise<{callId: string} | undefined> {
    const call = await this.registry.byToken(relayToken)
    return call ? {callId: call.callId} : undefined
  }

  /** Calls `listener` with every call that ends (any reason); returns the unsubscribe function. */
  onCallEnded(listener: (call: Call) => void): () => void {
    this.endedListeners.add(listener)
    return () => this.endedListeners.delete(listener)
  }

  close(): void {
    this.unsubscribe?.()
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }

  private async invite(from: LinkPeer, callee: string, reply: (body: unknown) => void): Promise<void> {
    const caller = from.userId!
    if (callee === caller) throw new ImhError('IMH_ERR_BAD_BODY', 'TALK_INVITE: field "callee" must not be yourself', {field: 'callee'})
    if (!(await this.options.store.getUser(callee))) throw new ImhError('IMH_ERR_UNKNOWN_USER', `TALK_INVITE: no user "${callee}"`, {field: 'callee'})
    // The caller's own link may have gone during the look-up: then there is nobody to ring for.
    if ((await this.options.lookup(caller))?.key !== from.key) return
    const calleeLink = await this.options.lookup(callee)
    if (!calleeLink) throw new ImhError('IMH_ERR_TALK_OFFLINE', `TALK_INVITE: user "${callee}" has no live long link`)
    const ringTimeoutMs = this.options.ringTimeoutMs
    const call: Call = {
      callId: randomUUID(),
      caller,
      callee,
      callerKey: from.key,
      calleeKey: calleeLink.key,
      state: 'ringing',
      relayToken: randomBytes(16).toString('hex'),
      relays: [...this.options.relays()],
      createdAt: Date.now(),
      ringTimeoutMs,
    }
    // The busy checks and the add are one step of the registry: two invites racing on two nodes
    // cannot both put a user in a call.
    const added = await this.registry.add(call)
    if (added === 'caller-busy') throw new ImhError('IMH_ERR_TALK_BUSY', 'TALK_INVITE: you are already in a call')
    if (added === 'callee-busy') throw new ImhError('IMH_ERR_TALK_BUSY', `TALK_INVITE: user "${callee}" is already in a call`)
    // The caller's link may have gone while the call was added, before linkGone could see the call.
    if ((await this.options.lookup(caller))?.key !== from.key) {
      await this.registry.remove(call.callId)
      return
    }
    // This node owns the ring timer; a shared registry also lets the ringing call lapse on its own.
    this.timers.set(call.callId, setTimeout(() => {
      this.timers.delete(call.callId)
      void this.registry.get(call.callId).then((current) => (current?.state === 'ringing' ? this.end(current, 'timeout', 'both') : undefined)).catch(() => undefined)
    }, ringTimeoutMs))
    const answer: TalkInviteReply = {callId: call.callId, role: 'caller', relayToken: call.relayToken, relays: call.relays, ringTimeoutMs}
    reply(answer)
    const ring: TalkRingPush = {callId: call.callId, caller, ringTimeoutMs}
    calleeLink.push(CMD.TALK_RING, ring)
  }

  private async join(from: LinkPeer, callId: string, reply: (body: unknown) => void): Promise<void> {
    const call = await this.party(from, callId, 'TALK_JOIN')
    if (from.userId !== call.callee) throw new ImhError('IMH_ERR_TALK_NOT_PARTY', 'TALK_JOIN: only the callee joins a call')
    const answer: TalkJoinReply = {callId, role: 'callee', relayToken: call.relayToken, relays: call.relays}
    if (call.state === 'joined') {
      // A repeated JOIN (a retry) gets the same answer and pushes nothing.
      reply(answer)
      return
    }
    const joined = await this.registry.join(call, from.key)
    if (!joined) {
      // It ended (or another JOIN won) between the read and the join.
      const now = await this.party(from, callId, 'TALK_JOIN')
      reply({...answer, relays: now.relays})
      return
    }
    this.clearTimer(callId)
    reply(answer)
    await this.pushTo(call.caller, call.callerKey, CMD.TALK_JOINED, {callId})
  }

  private async hangup(from: LinkPeer, callId: string, reply: (body: unknown) => void): Promise<void> {
    const call = await this.party(from, callId, 'TALK_HANGUP')
    const byCaller = from.userId === call.caller
    const reason: TalkEndReason = call.state === 'joined' ? 'hangup' : byCaller ? 'cancelled' : 'declined'
    // Whoever removes the call tells the parties; a hang-up that lost the race to a time-out is answered like one of an ended call.
    if (!(await this.registry.remove(callId))) throw new ImhError('IMH_ERR_TALK_UNKNOWN_CALL', `TALK_HANGUP: no call "${callId}", or it has ended`)
    this.clearTimer(callId)
    reply({})
    await this.notifyEnded(call, reason, byCaller ? 'callee' : 'caller')
  }

  /** The live call `callId` with `from` as one of its parties, or the refusal. */
  private async party(from: LinkPeer, callId: string, what: string): Promise<Call> {
    const call = await this.registry.get(callId)
    if (!call) throw new ImhError('IMH_ERR_TALK_UNKNOWN_CALL', `${what}: no call "${callId}", or it has ended`)
    if (from.userId !== call.caller && from.userId !== call.callee) throw new ImhError('IMH_ERR_TALK_NOT_PARTY', `${what}: you are not a party to call "${callId}"`)
    return call
  }

  private async end(call: Call, reason: TalkEndReason, tell: 'caller' | 'callee' | 'both'): Promise<void> {
    if (!(await this.registry.remove(call.callId))) return
    this.clearTimer(call.callId)
    await this.notifyEnded(call, reason, tell)
  }

  private async notifyEnded(call: Call, reason: TalkEndReason, tell: 'caller' | 'callee' | 'both'): Promise<void> {
    for (const listener of this.endedListeners) listener(call)
    const body: TalkEndedPush = {callId: call.callId, reason}
    if (tell !== 'callee') await this.pushTo(call.caller, call.callerKey, CMD.TALK_ENDED, body)
    if (tell !== 'caller') await this.pushTo(call.callee, call.calleeKey, CMD.TALK_ENDED, body)
  }

  /** Pushes to the link a party had when the call was set up; a newer link of the user is not told. */
  private async pushTo(userId: string, key: string, cmd: number, body: unknown): Promise<void> {
    const link = await this.options.lookup(userId)
    if (link?.key === key) link.push(cmd, body)
  }

  private clearTimer(callId: string): void {
    clearTimeout(this.timers.get(callId))
    this.timers.delete(callId)
  }
}
