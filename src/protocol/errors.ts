/**
 * Every error imharness reports, server side and harness side, with its stable code.
 * `ret` is the number a server puts on the wire (short-link envelope, long-link ERROR frame);
 * harness-only errors never travel and have ret 0. PROTOCOL.md §9 lists the same table; a test
 * keeps the two in step.
 */
export const ERRORS = {
  // Framing (PROTOCOL.md §4). Fatal: the server sends ERROR then closes.
  IMH_ERR_FRAME_TOO_SHORT: {ret: 400, fatal: true, text: 'frame shorter than the 20-byte header'},
  IMH_ERR_BAD_HEAD_LEN: {ret: 400, fatal: true, text: 'headLen is not 20'},
  IMH_ERR_BAD_VERSION: {ret: 400, fatal: true, text: 'unsupported protocol version'},
  IMH_ERR_FRAME_TOO_LARGE: {ret: 413, fatal: true, text: 'bodyLen exceeds the maximum body size'},
  IMH_ERR_LENGTH_MISMATCH: {ret: 400, fatal: true, text: 'bodyLen does not match the bytes that follow the header'},
  IMH_ERR_TEXT_MESSAGE: {ret: 400, fatal: true, text: 'a WebSocket text message was sent; frames travel as binary messages'},
  IMH_ERR_FRAME_TIMEOUT: {ret: 408, fatal: true, text: 'a frame begun on a stream link (tcp://, tls://) was not complete within the frame timeout'},
  // Frame content (§4, §5). Not fatal: the connection stays open.
  IMH_ERR_BAD_JSON: {ret: 400, fatal: false, text: 'body is not valid UTF-8 JSON'},
  IMH_ERR_BAD_BODY: {ret: 400, fatal: false, text: 'body is missing a field or has a field of the wrong type'},
  IMH_ERR_UNKNOWN_CMD: {ret: 400, fatal: false, text: 'unknown cmd'},
  IMH_ERR_UNKNOWN_USER: {ret: 404, fatal: false, text: 'no such user'},
  // Session (§5).
  IMH_ERR_NOT_AUTHENTICATED: {ret: 1100, fatal: true, text: 'the first frame on a long link must be AUTH'},
  IMH_ERR_SESSION_INVALID: {ret: 1100, fatal: true, text: 'token unknown or expired'},
  IMH_ERR_KICKED: {ret: 1101, fatal: true, text: 'kicked by a newer login of the same user'},
  IMH_ERR_WRONG_NODE: {ret: 1102, fatal: true, text: 'this node does not serve that user; ask the scheduler again'},
  IMH_ERR_ALREADY_AUTHENTICATED: {ret: 400, fatal: false, text: 'AUTH sent twice on one connection'},
  IMH_ERR_HANDSHAKE_TIMEOUT: {ret: 408, fatal: true, text: 'no AUTH within the handshake timeout'},
  IMH_ERR_IDLE_TIMEOUT: {ret: 408, fatal: true, text: 'no frame within the idle timeout'},
  IMH_ERR_SLOW_CONSUMER: {ret: 503, fatal: true, text: 'the client does not read; its send buffer is over the limit'},
  // Short link (§3).
  IMH_ERR_BAD_REQUEST: {ret: 400, fatal: false, text: 'malformed request'},
  IMH_ERR_BAD_CREDENTIALS: {ret: 401, fatal: false, text: 'wrong username or password'},
  IMH_ERR_NOT_FOUND: {ret: 404, fatal: false, text: 'no such route'},
  IMH_ERR_METHOD_NOT_ALLOWED: {ret: 405, fatal: false, text: 'method not allowed on this route'},
  IMH_ERR_USER_EXISTS: {ret: 409, fatal: false, text: 'username already registered'},
  IMH_ERR_BODY_TOO_LARGE: {ret: 413, fatal: false, text: 'request body over the limit'},
  IMH_ERR_UNSUPPORTED_MEDIA_TYPE: {ret: 415, fatal: false, text: 'request body must be application/json'},
  IMH_ERR_INTERNAL: {ret: 500, fatal: false, text: 'internal server error'},
  // QR-code web login (§10).
  IMH_ERR_QR_UNKNOWN: {ret: 404, fatal: false, text: 'no such QR login uuid'},
  IMH_ERR_QR_BAD_CODE: {ret: 400, fatal: false, text: 'the scanned text is not a login code of this service'},
  IMH_ERR_QR_EXPIRED: {ret: 410, fatal: false, text: 'the QR login expired or was never issued'},
  IMH_ERR_QR_STATE: {ret: 409, fatal: false, text: 'the QR login is not in a state that allows this'},
  IMH_ERR_QR_NOT_SCANNED: {ret: 409, fatal: false, text: 'confirm or cancel before the code was scanned'},
  IMH_ERR_QR_WRONG_USER: {ret: 403, fatal: false, text: 'the code was scanned by another user'},
  IMH_ERR_QR_TICKET_INVALID: {ret: 403, fatal: false, text: 'unknown login ticket'},
  IMH_ERR_QR_TICKET_USED: {ret: 409, fatal: false, text: 'the login ticket was already used'},
  IMH_ERR_QR_BUSY: {ret: 503, fatal: false, text: 'too many QR logins in flight; retry later'},
  IMH_ERR_BAD_CALLBACK: {ret: 400, fatal: false, text: 'the JSONP callback name is not allowed'},
  // Real-time talk call signalling (§11.2).
  IMH_ERR_TALK_OFFLINE: {ret: 480, fatal: false, text: 'the callee has no live long link'},
  IMH_ERR_TALK_BUSY: {ret: 486, fatal: false, text: 'the caller or the callee is already in a call'},
  IMH_ERR_TALK_UNKNOWN_CALL: {ret: 404, fatal: false, text: 'no such call, or the call has ended'},
  IMH_ERR_TALK_NOT_PARTY: {ret: 403, fatal: false, text: 'not a party to this call, or not the party allowed to do this'},
  // Real-time talk, STUN on the relay group (§11.1). Never answered: the server drops and counts it.
  IMH_ERR_STUN_MALFORMED: {ret: 400, fatal: false, text: 'a UDP datagram on a relay port is not a well-formed STUN message'},
  // Real-time talk, the UDP relay (§11.3). Never answered: the relay drops and counts it.
  IMH_ERR_RELAY_MALFORMED: {ret: 400, fatal: false, text: 'a UDP datagram on a relay port is not a well-formed relay datagram'},
  // Nearby people (§12).
  IMH_ERR_BAD_LOCATION: {ret: 400, fatal: false, text: 'latitude must be a finite number from -90 to 90 and longitude from -180 to 180'},
  IMH_ERR_NO_POSITION: {ret: 409, fatal: false, text: 'no live position for this user: report one (LBS_REPORT) first, or give one'},
  // Drift bottle (§14).
  IMH_ERR_BOTTLE_UNKNOWN: {ret: 404, fatal: false, text: 'no such bottle, or it was not picked by you'},
  // Moments (§15).
  IMH_ERR_MOMENT_NOT_FOUND: {ret: 404, fatal: false, text: 'no such moment, or it is not visible to you (only the author and the author\'s friends see a moment)'},
  // Media / CDN group (§16).
  IMH_ERR_MEDIA_NOT_FOUND: {ret: 404, fatal: false, text: 'no such media object'},
  IMH_ERR_MEDIA_TOO_LARGE: {ret: 413, fatal: false, text: 'upload over the media size limit'},
  IMH_ERR_MEDIA_TYPE: {ret: 415, fatal: false, text: 'upload content type is not an accepted image type'},
  IMH_ERR_RANGE_NOT_SATISFIABLE: {ret: 416, fatal: false, text: 'the Range header selects no byte of the object'},
  // Harness side: never on the wire.
  IMH_ERR_TIMEOUT: {ret: 0, fatal: false, text: 'no answer within the time limit'},
  IMH_ERR_CONNECTION_CLOSED: {ret: 0, fatal: false, text: 'the connection closed before the answer came'},
  IMH_ERR_CONNECT_FAILED: {ret: 0, fatal: false, text: 'could not connect'},
  IMH_ERR_SCHEDULER_UNAVAILABLE: {ret: 0, fatal: false, text: 'scheduler, system DNS and fallback list all failed'},
  IMH_ERR_PROTOCOL_VIOLATION: {ret: 0, fatal: false, text: 'the server answered something the protocol does not allow'},
  IMH_ERR_SERVER_ERROR: {ret: 0, fatal: false, text: 'the server answered with an error'},
  IMH_ERR_INVALID_OPTION: {ret: 0, fatal: false, text: 'an option has a value that is not allowed'},
  IMH_ERR_TOO_MANY_PENDING: {ret: 0, fatal: false, text: 'too many requests awaiting an answer on one link'},
  IMH_ERR_NO_TRANSPORT: {ret: 0, fatal: false, text: 'the scheduler lists no long-link address of the transport asked for (ws or tcp)'},
  // Load runs (imh load): profiles, thresholds, workers, non-protocol scenarios.
  IMH_ERR_PROFILE_NOT_FOUND: {ret: 0, fatal: false, text: 'no built-in profile of that name and no such file'},
  IMH_ERR_PROFILE_INVALID: {ret: 0, fatal: false, text: 'a load profile field is missing or has a value that is not allowed'},
  IMH_ERR_THRESHOLD_INVALID: {ret: 0, fatal: false, text: 'a threshold expression does not parse'},
  IMH_ERR_WORKER_FAILED: {ret: 0, fatal: false, text: 'a load worker process failed or exited early'},
  IMH_ERR_AGENTS_UNAVAILABLE: {ret: 0, fatal: false, text: 'a distributed run found fewer idle load agents than it asked for'},
  IMH_ERR_AGENT_LOST: {ret: 0, fatal: false, text: 'a load agent of a distributed run died or stopped reporting'},
  IMH_ERR_ADAPTER_NOT_FOUND: {ret: 0, fatal: false, text: 'no built-in client adapter of that name, or its module file could not be imported'},
  IMH_ERR_ADAPTER_INVALID: {ret: 0, fatal: false, text: 'a client adapter module lacks what the adapter contract requires (docs/adapters.md)'},
  IMH_ERR_ADAPTER_UNSUPPORTED: {ret: 0, fatal: false, text: 'the client adapter cannot do what the profile asks of it (a scenario, a target scheme, an on-demand heartbeat)'},
  // Comparing runs (imh compare).
  IMH_ERR_RESULTS_INVALID: {ret: 0, fatal: false, text: 'a file is not a results.json that imh load wrote'},
  IMH_ERR_REGRESSION_INVALID: {ret: 0, fatal: false, text: 'a regression limit does not parse or does not fit its metric'},
  IMH_ERR_COMPARE_MISMATCH: {ret: 0, fatal: false, text: 'the two runs are of different profiles'},
  // Merging shards (imh merge).
  IMH_ERR_MERGE_MISMATCH: {ret: 0, fatal: false, text: 'the files are not shards of one run (another profile or shard count, or a shard twice)'},
  IMH_ERR_REDIS_UNREACHABLE: {ret: 0, fatal: false, text: 'the Redis a server group or a distributed load run shares could not be reached'},
  IMH_ERR_LISTEN_FAILED: {ret: 0, fatal: false, text: 'a server could not listen on its address (in use, not allowed, or not of this host)'},
  IMH_ERR_UNEXPECTED: {ret: 0, fatal: false, text: 'an error without a code of its own (a socket or runtime error); its message tells more'},
  IMH_ERR_UNEXPECTED_STATUS: {ret: 0, fatal: false, text: 'an HTTP endpoint answered with a status the scenario does not expect'},
  // Shopping (§17).
  IMH_ERR_PRODUCT_NOT_FOUND: {ret: 404, fatal: false, text: 'no such product'},
  IMH_ERR_SOLD_OUT: {ret: 409, fatal: false, text: 'fewer units of the product available than the order asks for'},
  IMH_ERR_ORDER_NOT_FOUND: {ret: 404, fatal: false, text: 'no such order, or it is not yours'},
  IMH_ERR_ORDER_STATE: {ret: 409, fatal: false, text: 'the order is not in a state that allows this'},
  IMH_ERR_ORDER_EXPIRED: {ret: 410, fatal: false, text: 'the order was not paid before it expired; its units were released'},
  IMH_ERR_IDEMPOTENCY_MISMATCH: {ret: 422, fatal: false, text: 'this idempotency key was used for another request'},
  IMH_ERR_NAME_UNRESOLVED: {ret: 0, fatal: false, text: 'a server name did not resolve through DNS'},
} as const satisfies Record<string, {ret: number; fatal: boolean; text: string}>

export type ErrorCode = keyof typeof ERRORS

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value)
}

/** Short-link `ret` values with a meaning of their own (PROTOCOL.md §3.2). */
export const RET = {
  OK: 0,
  SESSION_INVALID: 1100,
  KICKED: 1101,
  WRONG_NODE: 1102,
} as const

/** The one error class of imharness: a stable `code`, the wire `ret`, a human message. */
export class ImhError extends Error {
  readonly code: ErrorCode
  readonly ret: number
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERRORS[code].text)
    this.name = 'ImhError'
    this.code = code
    this.ret = ERRORS[code].ret
    this.details = details
  }

  get fatal(): boolean {
    return ERRORS[this.code].fatal
  }
}

export function isImhError(err: unknown, code?: ErrorCode): err is ImhError {
  return err instanceof ImhError && (code === undefined || err.code === code)
}

/** Builds the `{ret, code, errMsg}` body that ERROR frames and short-link failures carry. */
export function errorBody(err: ImhError): {ret: number; code: ErrorCode; errMsg: string} {
  return {ret: err.ret, code: err.code, errMsg: err.message}
}

/**
 * WebSocket close code a server uses after a fatal error: 4000 + (ret mod 1000), so 4400 for
 * framing, 4408 for time-outs, 4100 for an invalid session, 4101 for a kick (PROTOCOL.md §4.5).
 */
export function closeCodeFor(ret: number): number {
  return 4000 + (ret % 1000)
}
