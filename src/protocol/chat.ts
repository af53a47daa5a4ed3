import {ImhError} from './errors.js'
import {defineSyncCategory} from './flow-contract.js'
import {checkShape, type Shape} from './shape.js'
import {type SyncKey, checkSyncPage} from './sync.js'

/** Chat on the long link (PROTOCOL.md §6): SEND_MSG, and the messages of the chat inbox that SYNC pulls. */

/** Types a message in an inbox may have; 'bottle' is a reply to a drift bottle (§14). */
export const MESSAGE_TYPES = ['text', 'bottle'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]
/** Types SEND_MSG may use: a 'bottle' message comes only from BOTTLE_REPLY, so its receiver can trust it answers its bottle. */
export const SEND_MSG_TYPES = ['text'] as const

export interface SendMsgRequest { clientMsgId: string; to: string; type: (typeof SEND_MSG_TYPES)[number]; content: string }
export interface SendMsgReply { serverMsgId: string; seq: number; sendTime: number }

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
/** The SYNC reply of chat, the default category (§6.4). */
export interface SyncReply { syncKey: SyncKey; messages: ChatMessage[]; continue: boolean; resync?: boolean }

export const MAX_CLIENT_MSG_ID_LENGTH = 128

const SHAPES = {
  sendMsg: {clientMsgId: 'string', to: 'string', type: 'string', content: 'string'},
  sendMsgReply: {serverMsgId: 'string', seq: 'uint', sendTime: 'number'},
  message: {seq: 'uint', serverMsgId: 'string', from: 'string', to: 'string', clientMsgId: 'string', type: 'string', content: 'string', sendTime: 'number'},
} as const satisfies Record<string, Shape>

// Requests are checked by the server (IMH_ERR_BAD_BODY).
const BAD = 'IMH_ERR_BAD_BODY'
// Replies are checked by the client (IMH_ERR_PROTOCOL_VIOLATION).
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

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

export const parseSendMsgReply = (v: unknown): SendMsgReply => checkShape<SendMsgReply>(v, SHAPES.sendMsgReply, OFF, 'SEND_MSG reply')

/** One message of a chat SYNC reply. */
export const checkChatMessage = (v: unknown): ChatMessage => checkShape<ChatMessage>(v, SHAPES.message, OFF, 'SYNC reply message')

/** The inbox of §6: messages, emitted by a client as 'message'. */
export const CHAT_SYNC_CATEGORY = defineSyncCategory({
  name: 'chat', itemsField: 'messages', item: checkChatMessage, itemEvent: 'message', notifyEvent: 'notify', section: '6',
})

export const parseSyncReply = (v: unknown): SyncReply => checkSyncPage(v, CHAT_SYNC_CATEGORY)
