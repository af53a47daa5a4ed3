import {ImhError} from './errors.js'
import {MAX_CLIENT_MSG_ID_LENGTH} from './chat.js'
import {defineProtocolFlow, request} from './flow-contract.js'
import {checkShape, type Shape} from './shape.js'

/** Drift bottle on the long link (PROTOCOL.md §14). */

/** The most UTF-8 bytes a bottle's content, or a reply to it, may have. */
export const MAX_BOTTLE_CONTENT_BYTES = 1024
export const MAX_BOTTLE_ID_LENGTH = 128

export interface BottleThrowRequest { content: string }
export interface BottleThrowReply { bottleId: string; throwTime: number }
export type BottlePickRequest = Record<string, never>
/** A picked bottle: what the picker learns. The thrower's id is not part of it. */
export interface Bottle { bottleId: string; content: string; throwTime: number }
export interface BottlePickReply { bottle: Bottle | null }
export interface BottleReplyRequest { bottleId: string; clientMsgId: string; content: string }
/** SEND_MSG's reply plus `to`, the thrower: from now on the two chat with SEND_MSG. */
export interface BottleReplyReply { serverMsgId: string; seq: number; sendTime: number; to: string }

const SHAPES = {
  throw: {content: 'string'},
  throwReply: {bottleId: 'string', throwTime: 'number'},
  pickReply: {},
  bottle: {bottleId: 'string', content: 'string', throwTime: 'number'},
  reply: {bottleId: 'string', clientMsgId: 'string', content: 'string'},
  replyReply: {serverMsgId: 'string', seq: 'uint', sendTime: 'number', to: 'string'},
} as const satisfies Record<string, Shape>

// Requests are checked by the server (IMH_ERR_BAD_BODY), replies by the client.
const BAD = 'IMH_ERR_BAD_BODY'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'
type Code = typeof BAD | typeof OFF

function content(code: Code, what: string, value: string): void {
  if (value.length === 0 || Buffer.byteLength(value, 'utf8') > MAX_BOTTLE_CONTENT_BYTES) {
    throw new ImhError(code, `${what}: field "content" must be 1 to ${MAX_BOTTLE_CONTENT_BYTES} UTF-8 bytes`, {field: 'content'})
  }
}

function bottleId(code: Code, what: string, value: string): void {
  if (value.length === 0 || value.length > MAX_BOTTLE_ID_LENGTH) {
    throw new ImhError(code, `${what}: field "bottleId" must be 1 to ${MAX_BOTTLE_ID_LENGTH} characters`, {field: 'bottleId'})
  }
}

export function parseBottleThrow(v: unknown): BottleThrowRequest {
  const r = checkShape<BottleThrowRequest>(v, SHAPES.throw, BAD, 'BOTTLE_THROW')
  content(BAD, 'BOTTLE_THROW', r.content)
  return {content: r.content}
}

/** BOTTLE_PICK takes no fields; the body must still be an object (an empty body reads as {}). */
export function parseBottlePick(v: unknown): BottlePickRequest {
  checkShape(v, {}, BAD, 'BOTTLE_PICK')
  return {}
}

export function parseBottleReply(v: unknown): BottleReplyRequest {
  const r = checkShape<BottleReplyRequest>(v, SHAPES.reply, BAD, 'BOTTLE_REPLY')
  bottleId(BAD, 'BOTTLE_REPLY', r.bottleId)
  if (r.clientMsgId.length === 0 || r.clientMsgId.length > MAX_CLIENT_MSG_ID_LENGTH) {
    throw new ImhError(BAD, `BOTTLE_REPLY: field "clientMsgId" must be 1 to ${MAX_CLIENT_MSG_ID_LENGTH} characters`, {field: 'clientMsgId'})
  }
  content(BAD, 'BOTTLE_REPLY', r.content)
  return {bottleId: r.bottleId, clientMsgId: r.clientMsgId, content: r.content}
}

export function parseBottleThrowReply(v: unknown): BottleThrowReply {
  const r = checkShape<BottleThrowReply>(v, SHAPES.throwReply, OFF, 'BOTTLE_THROW reply')
  bottleId(OFF, 'BOTTLE_THROW reply', r.bottleId)
  return r
}

export function parseBottlePickReply(v: unknown): BottlePickReply {
  const r = checkShape<{bottle: unknown}>(v, SHAPES.pickReply, OFF, 'BOTTLE_PICK reply')
  // `bottle` is required: null says "no bottle", absence would be ambiguous.
  if (r.bottle === null) return r as BottlePickReply
  if (r.bottle === undefined) throw new ImhError(OFF, 'BOTTLE_PICK reply: field "bottle" is required (object or null)', {field: 'bottle'})
  const b = checkShape<Bottle>(r.bottle, SHAPES.bottle, OFF, 'BOTTLE_PICK reply bottle')
  bottleId(OFF, 'BOTTLE_PICK reply bottle', b.bottleId)
  content(OFF, 'BOTTLE_PICK reply bottle', b.content)
  return r as BottlePickReply
}

export function parseBottleReplyReply(v: unknown): BottleReplyReply {
  const r = checkShape<BottleReplyReply>(v, SHAPES.replyReply, OFF, 'BOTTLE_REPLY reply')
  if (r.to.length === 0) throw new ImhError(OFF, 'BOTTLE_REPLY reply: field "to" must not be empty', {field: 'to'})
  return r
}

export const bottleFlow = defineProtocolFlow({
  name: 'bottle',
  title: 'Drift bottle',
  sections: ['14'],
  groups: [],
  shortRoutes: {},
  commands: [
    request('BOTTLE_THROW', 220, {body: parseBottleThrow, reply: parseBottleThrowReply}),
    request('BOTTLE_PICK', 221, {body: parseBottlePick, reply: parseBottlePickReply}),
    request('BOTTLE_REPLY', 222, {body: parseBottleReply, reply: parseBottleReplyReply}),
  ],
  errors: ['IMH_ERR_BOTTLE_UNKNOWN'],
  syncCategories: [],
  limits: [],
})
