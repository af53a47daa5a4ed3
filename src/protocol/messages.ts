import {CMD} from './commands.js'
import {type ErrorCode, ImhError} from './errors.js'
import {checkShape, type Shape} from './shape.js'
import {parseTalkHangupReply, parseTalkInviteReply, parseTalkJoinReply} from './talk.js'
import {parseLbsReportReply, parseNearbyReply} from './nearby.js'
import {parseShakeReply} from './shake.js'
import {parseBottlePickReply, parseBottleReplyReply, parseBottleThrowReply} from './bottle.js'
import {type MomentNotice, type SyncCategory, checkNotice, parseSyncCategory} from './moments.js'

/** Long-link bodies (PROTOCOL.md §5–§6). */
export interface SyncKey {
  /** Changes when the server lost or rebuilt the inbox; a mismatch forces a full resync. */
  epoch: number
  /** Highest inbox sequence the client holds; 0 for none. */
  seq: number
}

export interface AuthRequest { token: string }
export interface AuthReply { userId: string; serverTime: number; heartbeatIntervalMs: number; idleTimeoutMs: number }

/** Types a message in an inbox may have; 'bottle' is a reply to a drift bottle (§14). */
export const MESSAGE_TYPES = ['text', 'bottle'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]
/** Types SEND_MSG may use: a 'bottle' message comes only from BOTTLE_REPLY, so its receiver can trust it answers its bottle. */
export const SEND_MSG_TYPES = ['text'] as const

export interface SendMsgRequest { clientMsgId: string; to: string; type: (typeof SEND_MSG_TYPES)[number]; content: string }
export interface SendMsgReply { serverMsgId: string; seq: number; sendTime: number }

/** `category` picks the inbox (§6, §15.6); absent means chat. */
export interface SyncRequest { syncKey: SyncKey; limit?: number; category?: SyncCategory }
export interface ChatMessage {
  seq: number
  serverMsgId: string
  from: string
  to: string
  clientMsgId: string
  type: MessageType
  content: string
  sendTime: number
}
export interface SyncReply { syncKey: SyncKey; messages: ChatMessage[]; continue: boolean; resync?: boolean }

export interface ErrorReply { ret: number; code: string; errMsg: string }

export const MAX_CLIENT_MSG_ID_LENGTH = 128
export const DEFAULT_SYNC_PAGE = 100
export const MAX_SYNC_PAGE = 1000

const SHAPES = {
  auth: {token: 'string'},
  authReply: {userId: 'string', serverTime: 'number', heartbeatIntervalMs: 'uint', idleTimeoutMs: 'uint'},
  sendMsg: {clientMsgId: 'string', to: 'string', type: 'string', content: 'string'},
  sendMsgReply: {serverMsgId: 'string', seq: 'uint', sendTime: 'number'},
  sync: {syncKey: 'object', limit: 'uint?', category: 'string?'},
  syncKey: {epoch: 'uint', seq: 'uint'},
  syncReply: {syncKey: 'object', messages: 'array', continue: 'boolean', resync: 'boolean?'},
  message: {seq: 'uint', serverMsgId: 'string', from: 'string', to: 'string', clientMsgId: 'string', type: 'string', content: 'string', sendTime: 'number'},
  error: {ret: 'int', code: 'string', errMsg: 'string'},
} as const satisfies Record<string, Shape>

// Requests are checked by the server (IMH_ERR_BAD_BODY).
const BAD = 'IMH_ERR_BAD_BODY'
// Replies are checked by the client (IMH_ERR_PROTOCOL_VIOLATION).
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

export function parseAuth(v: unknown): AuthRequest {
  const a = checkShape<AuthRequest>(v, SHAPES.auth, BAD, 'AUTH')
  if (a.token.length === 0) throw new ImhError(BAD, 'AUTH: field "token" must not be empty', {field: 'token'})
  return a
}

export function parseSendMsg(v: unknown): SendMsgRequest {
  const m = checkShape<SendMsgRequest>(v, SHAPES.sendMsg, BAD, 'SEND_MSG')
  if (m.clientMsgId.length === 0 || m.clientMsgId.length > MAX_CLIENT_MSG_ID_LENGTH) {
    throw new ImhError(BAD, `SEND_MSG: field "clientMsgId" must be 1 to ${MAX_CLIENT_MSG_ID_LENGTH} characters`, {field: 'clientMsgId'})
  }
  if (!(SEND_MSG_TYPES as readonly string[]).includes(m.type)) {
    throw new ImhError(BAD, `SEND_MSG: field "type" must be one of ${SEND_MSG_TYPES.join(', ')}`, {field: 'type'})
  }
  return m
}

export function parseSync(v: unknown): SyncRequest {
  const s = checkShape<SyncRequest>(v, SHAPES.sync, BAD, 'SYNC')
  parseSyncCategory(s.category, BAD, 'SYNC')
  checkShape(s.syncKey, SHAPES.syncKey, BAD, 'SYNC syncKey')
  return s
}

function parseWith<T>(code: ErrorCode, shape: Shape, what: string) {
  return (v: unknown): T => checkShape<T>(v, shape, code, what)
}

export const parseAuthReply = parseWith<AuthReply>(OFF, SHAPES.authReply, 'AUTH reply')
export const parseSendMsgReply = parseWith<SendMsgReply>(OFF, SHAPES.sendMsgReply, 'SEND_MSG reply')
export const parseErrorReply = parseWith<ErrorReply>(OFF, SHAPES.error, 'ERROR')

export function parseSyncReply(v: unknown): SyncReply {
  const r = checkShape<SyncReply>(v, SHAPES.syncReply, OFF, 'SYNC reply')
  checkShape(r.syncKey, SHAPES.syncKey, OFF, 'SYNC reply syncKey')
  for (const m of r.messages) checkShape(m, SHAPES.message, OFF, 'SYNC reply message')
  return r
}

/** The SYNC reply of category `moments` (§15.6): notices instead of messages. */
export interface NoticeSyncReply { syncKey: SyncKey; notices: MomentNotice[]; continue: boolean; resync?: boolean }

function isNoticeReply(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'notices' in v && !('messages' in v)
}

export function parseNoticeSyncReply(v: unknown): NoticeSyncReply {
  const r = checkShape<NoticeSyncReply>(v, {syncKey: 'object', notices: 'array', continue: 'boolean', resync: 'boolean?'}, OFF, 'SYNC reply')
  checkShape(r.syncKey, SHAPES.syncKey, OFF, 'SYNC reply syncKey')
  for (const n of r.notices) checkNotice(n)
  return r
}

/** Which reply parser goes with which request cmd. */
export const REPLY_PARSERS: Partial<Record<number, (v: unknown) => unknown>> = {
  [CMD.AUTH]: parseAuthReply,
  [CMD.SEND_MSG]: parseSendMsgReply,
  [CMD.SYNC]: (v) => (isNoticeReply(v) ? parseNoticeSyncReply(v) : parseSyncReply(v)),
  [CMD.TALK_INVITE]: parseTalkInviteReply,
  [CMD.TALK_JOIN]: parseTalkJoinReply,
  [CMD.TALK_HANGUP]: parseTalkHangupReply,
  [CMD.LBS_REPORT]: parseLbsReportReply,
  [CMD.NEARBY]: parseNearbyReply,
  [CMD.SHAKE]: parseShakeReply,
  [CMD.BOTTLE_THROW]: parseBottleThrowReply,
  [CMD.BOTTLE_PICK]: parseBottlePickReply,
  [CMD.BOTTLE_REPLY]: parseBottleReplyReply,
}
