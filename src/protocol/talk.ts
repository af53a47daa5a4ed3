import {ImhError} from './errors.js'
import {defineProtocolFlow, push, request} from './flow-contract.js'
import {checkShape, type Shape} from './shape.js'

/** Real-time talk call signalling on the long link (PROTOCOL.md §11.2). */

export const TALK_ROLES = ['caller', 'callee'] as const
export type TalkRole = (typeof TALK_ROLES)[number]

/** Why a call ended (TALK_ENDED.reason). */
export const TALK_END_REASONS = ['cancelled', 'declined', 'hangup', 'timeout', 'offline'] as const
export type TalkEndReason = (typeof TALK_END_REASONS)[number]

/** The relay token: 128 random bits as 32 lowercase hex digits. */
export const RELAY_TOKEN_PATTERN = /^[0-9a-f]{32}$/
export const MAX_CALL_ID_LENGTH = 128

export interface TalkInviteRequest { callee: string }
export interface TalkInviteReply { callId: string; role: 'caller'; relayToken: string; relays: string[]; ringTimeoutMs: number }
export interface TalkRingPush { callId: string; caller: string; ringTimeoutMs: number }
export interface TalkJoinRequest { callId: string }
export interface TalkJoinReply { callId: string; role: 'callee'; relayToken: string; relays: string[] }
export interface TalkJoinedPush { callId: string }
export interface TalkHangupRequest { callId: string }
export type TalkHangupReply = Record<string, never>
export interface TalkEndedPush { callId: string; reason: TalkEndReason }

const SHAPES = {
  invite: {callee: 'string'},
  inviteReply: {callId: 'string', role: 'string', relayToken: 'string', relays: 'array', ringTimeoutMs: 'uint'},
  ring: {callId: 'string', caller: 'string', ringTimeoutMs: 'uint'},
  callId: {callId: 'string'},
  joinReply: {callId: 'string', role: 'string', relayToken: 'string', relays: 'array'},
  ended: {callId: 'string', reason: 'string'},
} as const satisfies Record<string, Shape>

// Requests are checked by the server (IMH_ERR_BAD_BODY), replies and pushes by the client.
const BAD = 'IMH_ERR_BAD_BODY'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

function nonEmpty(code: typeof BAD | typeof OFF, what: string, field: string, value: string, max = Infinity): void {
  if (value.length === 0 || value.length > max) {
    throw new ImhError(code, `${what}: field "${field}" must be ${max === Infinity ? 'a non-empty string' : `1 to ${max} characters`}`, {field})
  }
}

export function parseTalkInvite(v: unknown): TalkInviteRequest {
  const r = checkShape<TalkInviteRequest>(v, SHAPES.invite, BAD, 'TALK_INVITE')
  nonEmpty(BAD, 'TALK_INVITE', 'callee', r.callee)
  return r
}

function parseCallIdRequest(what: string) {
  return (v: unknown): {callId: string} => {
    const r = checkShape<{callId: string}>(v, SHAPES.callId, BAD, what)
    nonEmpty(BAD, what, 'callId', r.callId, MAX_CALL_ID_LENGTH)
    return r
  }
}

export const parseTalkJoin: (v: unknown) => TalkJoinRequest = parseCallIdRequest('TALK_JOIN')
export const parseTalkHangup: (v: unknown) => TalkHangupRequest = parseCallIdRequest('TALK_HANGUP')

function checkCredentials(what: string, r: {callId: string; relayToken: string; relays: unknown[]}): void {
  nonEmpty(OFF, what, 'callId', r.callId)
  if (!RELAY_TOKEN_PATTERN.test(r.relayToken)) throw new ImhError(OFF, `${what}: field "relayToken" must be 32 lowercase hex digits`, {field: 'relayToken'})
  if (r.relays.some((a) => typeof a !== 'string')) throw new ImhError(OFF, `${what}: field "relays" must be an array of strings`, {field: 'relays'})
}

export function parseTalkInviteReply(v: unknown): TalkInviteReply {
  const r = checkShape<TalkInviteReply>(v, SHAPES.inviteReply, OFF, 'TALK_INVITE reply')
  if (r.role !== 'caller') throw new ImhError(OFF, 'TALK_INVITE reply: field "role" must be "caller"', {field: 'role'})
  checkCredentials('TALK_INVITE reply', r)
  return r
}

export function parseTalkJoinReply(v: unknown): TalkJoinReply {
  const r = checkShape<TalkJoinReply>(v, SHAPES.joinReply, OFF, 'TALK_JOIN reply')
  if (r.role !== 'callee') throw new ImhError(OFF, 'TALK_JOIN reply: field "role" must be "callee"', {field: 'role'})
  checkCredentials('TALK_JOIN reply', r)
  return r
}

export function parseTalkHangupReply(v: unknown): TalkHangupReply {
  return checkShape<TalkHangupReply>(v, {}, OFF, 'TALK_HANGUP reply')
}

export function parseTalkRing(v: unknown): TalkRingPush {
  const r = checkShape<TalkRingPush>(v, SHAPES.ring, OFF, 'TALK_RING')
  nonEmpty(OFF, 'TALK_RING', 'callId', r.callId)
  return r
}

export function parseTalkJoined(v: unknown): TalkJoinedPush {
  const r = checkShape<TalkJoinedPush>(v, SHAPES.callId, OFF, 'TALK_JOINED')
  nonEmpty(OFF, 'TALK_JOINED', 'callId', r.callId)
  return r
}

export function parseTalkEnded(v: unknown): TalkEndedPush {
  const r = checkShape<TalkEndedPush>(v, SHAPES.ended, OFF, 'TALK_ENDED')
  nonEmpty(OFF, 'TALK_ENDED', 'callId', r.callId)
  if (!(TALK_END_REASONS as readonly string[]).includes(r.reason)) {
    throw new ImhError(OFF, `TALK_ENDED: field "reason" must be one of ${TALK_END_REASONS.join(', ')}`, {field: 'reason'})
  }
  return r
}

/** Real-time talk (§11): STUN and the relay on the relay group (stun.ts, relay.ts), call signalling here. */
export const talkFlow = defineProtocolFlow({
  name: 'talk',
  title: 'Real-time talk: STUN, call signalling, relay',
  sections: ['11'],
  groups: [{name: 'relay', schemes: ['udp:']}],
  shortRoutes: {},
  commands: [
    request('TALK_INVITE', 100, {body: parseTalkInvite, reply: parseTalkInviteReply}),
    push('TALK_RING', 101, parseTalkRing),
    request('TALK_JOIN', 102, {body: parseTalkJoin, reply: parseTalkJoinReply}),
    push('TALK_JOINED', 103, parseTalkJoined),
    request('TALK_HANGUP', 104, {body: parseTalkHangup, reply: parseTalkHangupReply}),
    push('TALK_ENDED', 105, parseTalkEnded),
  ],
  errors: [
    'IMH_ERR_TALK_OFFLINE', 'IMH_ERR_TALK_BUSY', 'IMH_ERR_TALK_UNKNOWN_CALL', 'IMH_ERR_TALK_NOT_PARTY',
    'IMH_ERR_STUN_MALFORMED', 'IMH_ERR_RELAY_MALFORMED',
  ],
  syncCategories: [],
  limits: [],
})
