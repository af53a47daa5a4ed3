import {defineProtocolFlow, push, request} from './flow-contract.js'
import {DEFAULT_MAX_BODY_BYTES} from './frame.js'
import {defineLimits} from './limit-spec.js'
import {CHAT_SYNC_CATEGORY, parseSendMsg, parseSendMsgReply} from './chat.js'
import {parseAuth, parseAuthReply, parseErrorReply} from './session.js'
import {CORE_SHORT_ROUTES, DEFAULT_SHORT_MAX_BODY_BYTES} from './short.js'
import {DEFAULT_SYNC_PAGE, MAX_SYNC_PAGE, checkSyncNotify, checkSyncReply, checkSyncRequest} from './sync.js'

/**
 * The core every other flow stands on (PROTOCOL.md §2–§6): the scheduler, the short link, long-link
 * framing, the session and SYNC with its chat inbox. Command ids follow Tencent Mars where it has
 * them (NOOP = 6, seq 0 for pushes).
 */
export const coreFlow = defineProtocolFlow({
  name: 'core',
  title: 'Scheduler, short link, long-link framing, session and chat SYNC',
  sections: ['2', '3', '4', '5', '6'],
  groups: [{name: 'long', schemes: ['ws:', 'wss:', 'tcp:', 'tls:']}, {name: 'short', schemes: ['http:', 'https:']}],
  shortRoutes: CORE_SHORT_ROUTES,
  commands: [
    request('AUTH', 1, {body: parseAuth, reply: parseAuthReply}),
    request('SEND_MSG', 2, {body: parseSendMsg, reply: parseSendMsgReply}),
    request('SYNC', 3, {body: (v, flows) => checkSyncRequest(v, flows.syncCategories), reply: (v, flows) => checkSyncReply(v, flows.syncCategories)}),
    push('SYNC_NOTIFY', 4, (v, flows) => checkSyncNotify(v, flows.syncCategories)),
    push('ERROR', 5, parseErrorReply),
    // A NOOP's body is not checked (§4.3); its reply is empty (§5.3).
    request('NOOP', 6, {reply: 'empty'}),
  ],
  errors: [
    // Framing (§4).
    'IMH_ERR_FRAME_TOO_SHORT', 'IMH_ERR_BAD_HEAD_LEN', 'IMH_ERR_BAD_VERSION', 'IMH_ERR_FRAME_TOO_LARGE', 'IMH_ERR_LENGTH_MISMATCH',
    'IMH_ERR_TEXT_MESSAGE', 'IMH_ERR_FRAME_TIMEOUT', 'IMH_ERR_BAD_JSON', 'IMH_ERR_BAD_BODY', 'IMH_ERR_UNKNOWN_CMD', 'IMH_ERR_UNKNOWN_USER',
    // Session (§5).
    'IMH_ERR_NOT_AUTHENTICATED', 'IMH_ERR_SESSION_INVALID', 'IMH_ERR_KICKED', 'IMH_ERR_WRONG_NODE', 'IMH_ERR_ALREADY_AUTHENTICATED',
    'IMH_ERR_HANDSHAKE_TIMEOUT', 'IMH_ERR_IDLE_TIMEOUT', 'IMH_ERR_SLOW_CONSUMER',
    // Short link (§3).
    'IMH_ERR_BAD_REQUEST', 'IMH_ERR_BAD_CREDENTIALS', 'IMH_ERR_NOT_FOUND', 'IMH_ERR_METHOD_NOT_ALLOWED', 'IMH_ERR_USER_EXISTS',
    'IMH_ERR_BODY_TOO_LARGE', 'IMH_ERR_UNSUPPORTED_MEDIA_TYPE', 'IMH_ERR_INTERNAL',
  ],
  syncCategories: [CHAT_SYNC_CATEGORY],
  limits: defineLimits([
    {key: 'handshakeTimeoutMs', default: 10_000, min: 50, max: 600_000, unit: 'ms', section: '5.2', description: 'ms a new long link has to send AUTH', flag: 'handshake-timeout', conformValue: 1000},
    {key: 'idleTimeoutMs', default: 90_000, min: 100, max: 3_600_000, unit: 'ms', section: '5.4', description: 'ms without a frame before a long link is closed', flag: 'idle-timeout', conformValue: 1500},
    {key: 'heartbeatIntervalMs', default: 30_000, min: 50, max: 3_600_000, unit: 'ms', section: '5.3', description: 'ms between heartbeats, announced to clients', flag: 'heartbeat-interval', conformValue: 500},
    {key: 'frameTimeoutMs', default: 10_000, min: 100, max: 600_000, unit: 'ms', section: '4.2', description: 'ms a stream long link (tcp://, tls://) has to complete a frame once its first byte arrived', flag: 'frame-timeout', conformValue: 500},
    {key: 'maxBodyBytes', default: DEFAULT_MAX_BODY_BYTES, min: 1024, max: DEFAULT_MAX_BODY_BYTES, unit: 'bytes', section: '4.1', description: 'largest long-link frame body in bytes', flag: 'max-body'},
    {key: 'shortMaxBodyBytes', default: DEFAULT_SHORT_MAX_BODY_BYTES, min: 1024, max: 16 * 1024 * 1024, unit: 'bytes', section: '3.7', description: 'largest short-link request body in bytes'},
    {key: 'syncPageDefault', default: DEFAULT_SYNC_PAGE, min: 1, max: MAX_SYNC_PAGE, unit: 'count', section: '6.4', description: 'default SYNC page size', flag: 'sync-page', conformValue: 100},
    {key: 'syncPageMax', default: MAX_SYNC_PAGE, min: 1, max: MAX_SYNC_PAGE, unit: 'count', section: '6.4', description: 'largest SYNC page a client may ask for'},
  ] as const),
})
