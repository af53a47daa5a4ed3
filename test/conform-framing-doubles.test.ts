/**
 * The short-link and framing cases must catch broken servers, not only pass the reference one.
 * Each double here is a small real server on port 0 that gets one part of PROTOCOL.md §3–§4
 * wrong on purpose; the negative cases must give it `fail` (MUST) or `non-strict` (SHOULD), with
 * a message that says what the server did instead.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {request} from 'undici'
import WebSocket, {WebSocketServer} from 'ws'
import {announcedLimits} from '../reference-server/config.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {ALL_CASES, type CaseResult, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import {CMD, HEAD_LEN, ImhError, closeCodeFor, decodeFrame, encodeFrame, errorBody, isImhError} from '../src/protocol/index.js'

const servers: Server[] = []
const socketServers: WebSocketServer[] = []

async function listen(server: Server): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)})
  res.end(text)
}

/** A short link that says yes to everything: 200 {ret: 0, …every success field…}. */
async function yesManShort(): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => json(res, 200, {
      ret: 0, userId: 'u-double', token: 'tk-double', serverTime: Date.now(), nextIntervalMs: 30_000,
      user: {userId: 'u-double', username: 'double', nickname: 'double', avatarUrl: ''},
    }))
  })
  return `http://127.0.0.1:${await listen(server)}`
}

type FrameHandler = (ws: WebSocket, data: Buffer, isBinary: boolean) => void

async function longDouble(onMessage: FrameHandler): Promise<string> {
  const server = createServer((_req, res) => json(res, 426, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'upgrade'}))
  const wss = new WebSocketServer({server, perMessageDeflate: false})
  socketServers.push(wss)
  wss.on('connection', (ws) => {
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => onMessage(ws, data as Buffer, isBinary))
  })
  return `ws://127.0.0.1:${await listen(server)}/long`
}

function authReply(seq: number): Buffer {
  return encodeFrame(CMD.AUTH, seq, {userId: 'u-double', serverTime: Date.now(), heartbeatIntervalMs: 30_000, idleTimeoutMs: 90_000})
}

/** Answers AUTH, and every other frame it can read with a NOOP echo; never sends ERROR, never closes. */
const echoLong: FrameHandler = (ws, data, isBinary) => {
  if (!isBinary || data.length < HEAD_LEN) return
  const cmd = data.readUInt32BE(8)
  const seq = data.readUInt32BE(12)
  ws.send(cmd === CMD.AUTH ? authReply(seq) : encodeFrame(CMD.NOOP, seq))
}

/**
 * Knows the error codes but not the rules around them: framing errors come back with the
 * frame's seq (not 0) and a close 1000; content errors come back as pushes (seq 0).
 */
const sloppyLong: FrameHandler = (ws, data, isBinary) => {
  const fatal = (err: ImhError, seq: number) => {
    ws.send(encodeFrame(CMD.ERROR, seq, errorBody(err)))
    ws.close(1000)
  }
  if (!isBinary) return fatal(new ImhError('IMH_ERR_TEXT_MESSAGE'), 0)
  let frame
  try {
    frame = decodeFrame(data)
  } catch (err) {
    if (!isImhError(err)) throw err
    return fatal(err, data.length >= HEAD_LEN ? data.readUInt32BE(12) : 0)
  }
  if (frame.cmd === CMD.AUTH) return void ws.send(authReply(frame.seq))
  if (frame.cmd === CMD.NOOP) return void ws.send(encodeFrame(CMD.NOOP, frame.seq))
  ws.send(encodeFrame(CMD.ERROR, 0, errorBody(new ImhError('IMH_ERR_UNKNOWN_CMD', `cmd ${frame.cmd}`))))
}

/**
 * Right ERROR push, right close code, but it closes 100 ms late and keeps serving frames until
 * then: it processes frames sent after a fatal error.
 */
const lingeringLong: FrameHandler = (ws, data, isBinary) => {
  const state = ws as WebSocket & {imhClosing?: boolean}
  const fatal = (err: ImhError) => {
    if (state.imhClosing) return
    state.imhClosing = true
    ws.send(encodeFrame(CMD.ERROR, 0, errorBody(err)))
    setTimeout(() => ws.close(closeCodeFor(err.ret), err.code), 100)
  }
  if (!isBinary) return fatal(new ImhError('IMH_ERR_TEXT_MESSAGE'))
  let frame
  try {
    frame = decodeFrame(data, 65_536)
  } catch (err) {
    if (!isImhError(err)) throw err
    return fatal(err)
  }
  ws.send(frame.cmd === CMD.AUTH ? authReply(frame.seq) : encodeFrame(CMD.NOOP, frame.seq))
}

/** Sends a framing ERROR push and closes with 4000 + ret mod 1000, as §4.5 asks. */
function fatalPush(ws: WebSocket, err: ImhError): void {
  ws.send(encodeFrame(CMD.ERROR, 0, errorBody(err)))
  ws.close(closeCodeFor(err.ret), err.code)
}

/**
 * A correct long link that takes §4.2's "at least 20 + maxBodyBytes" literally: its WebSocket
 * message limit is exactly that, so a longer message is refused by ws itself with close 1009 and
 * never reaches the codec. The header-declared FRAME_TOO_LARGE it still answers (§4.1).
 */
const LITERAL_MAX_BODY = 65_536
async function literalLimitLong(): Promise<string> {
  const server = createServer((_req, res) => json(res, 426, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'upgrade'}))
  const wss = new WebSocketServer({server, perMessageDeflate: false, maxPayload: HEAD_LEN + LITERAL_MAX_BODY})
  socketServers.push(wss)
  wss.on('connection', (ws) => {
    let closed = false
    ws.on('error', () => {})
    ws.on('message', (data: Buffer, isBinary) => {
      if (closed) return
      let frame
      try {
        if (!isBinary) throw new ImhError('IMH_ERR_TEXT_MESSAGE')
        frame = decodeFrame(data, LITERAL_MAX_BODY)
      } catch (err) {
        if (!isImhError(err)) throw err
        closed = true
        return fatalPush(ws, err)
      }
      ws.send(frame.cmd === CMD.AUTH ? authReply(frame.seq) : encodeFrame(CMD.NOOP, frame.seq))
    })
  })
  return `ws://127.0.0.1:${await listen(server)}/long`
}

/** A proxy before a correct short link that turns every HTTP status into 200, body unchanged. */
async function status200Proxy(upstream: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const h of ['content-type', 'authorization']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string
      const body = Buffer.concat(chunks)
      request(`${upstream}${req.url ?? '/'}`, {method: req.method as 'GET', headers, body: body.length > 0 ? body : undefined})
        .then(async (up) => {
          const text = await up.body.text()
          res.writeHead(200, {'content-type': String(up.headers['content-type'] ?? 'application/json')})
          res.end(text)
        })
        .catch(() => res.destroy())
    })
  })
  return `http://127.0.0.1:${await listen(server)}`
}

/** A scheduler whose answer points at the doubles. */
const DOUBLE_LIMITS = {handshakeTimeoutMs: 10_000, idleTimeoutMs: 90_000, heartbeatIntervalMs: 30_000, maxBodyBytes: 65_536, shortMaxBodyBytes: 4096, syncPageDefault: 100, syncPageMax: 1000}

async function scheduler(long: string, short: string, limits: object = DOUBLE_LIMITS): Promise<string> {
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/dns')) return json(res, 404, {ret: 404, code: 'IMH_ERR_NOT_FOUND', errMsg: 'no route'})
    json(res, 200, {
      ret: 0, ttl: 60, clientIp: '127.0.0.1',
      groups: {long: [long], short: [short], relay: [], media: [], qr: []},
      fallback: {long: [long], short: [short]},
      limits,
    })
  })
  return `http://127.0.0.1:${await listen(server)}/dns`
}

function run(schedulerUrl: string, globs: string[]): Promise<ConformanceReport> {
  // A timeout factor of 0.3 keeps the waits for answers that never come short (5 s → 1.5 s).
  return new ConformanceRunner({scheduler: schedulerUrl, cases: selectCases(ALL_CASES, globs), timeoutFactor: 0.3, concurrency: 16}).run()
}

function byId(report: ConformanceReport): Record<string, CaseResult> {
  return Object.fromEntries(report.cases.map((c) => [c.id, c]))
}

let yesEcho: Record<string, CaseResult>
let yesEchoReport: ConformanceReport
let sloppy: Record<string, CaseResult>
let lingering: Record<string, CaseResult>
let status200: Record<string, CaseResult>
let literal: Record<string, CaseResult>
let reference: ReferenceServer

beforeAll(async () => {
  reference = await startEmbeddedTarget()
  const short = await yesManShort()
  const proxied = await status200Proxy(reference.urls.short)
  const [echoUrl, sloppyUrl, lingeringUrl] = await Promise.all([longDouble(echoLong), longDouble(sloppyLong), longDouble(lingeringLong)])
  const [schedEcho, schedSloppy, schedLingering, schedStatus] = await Promise.all([
    scheduler(echoUrl, short), scheduler(sloppyUrl, short), scheduler(lingeringUrl, short), scheduler(reference.urls.long, proxied, announcedLimits(reference.limits)),
  ])
  const [a, b, c, d] = await Promise.all([
    run(schedEcho, ['short.*', 'frame.*']), run(schedSloppy, ['frame.*']),
    run(schedLingering, ['frame.bad-version', 'frame.too-short', 'frame.text-message', 'frame.oversize-header']), run(schedStatus, ['short.*']),
  ])
  yesEchoReport = a
  yesEcho = byId(a)
  sloppy = byId(b)
  lingering = byId(c)
  status200 = byId(d)
  literal = byId(await run(await scheduler(await literalLimitLong(), short), ['frame.oversize-*', 'frame.max-body', 'frame.length-mismatch', 'frame.too-short']))
}, 60_000)

afterAll(async () => {
  for (const wss of socketServers) {
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
    s.close(() => resolve())
    s.closeAllConnections()
  })))
  await reference?.close()
})

function expectVerdict(results: Record<string, CaseResult>, id: string, verdict: string, message?: RegExp): void {
  const r = results[id]
  expect(r, `case ${id} ran`).toBeDefined()
  expect(`${id}: ${r!.verdict}`, r!.message).toBe(`${id}: ${verdict}`)
  if (message) expect(r!.message).toMatch(message)
}

describe('short-link cases against a server that answers 200 {ret: 0} to everything', () => {
  it('fail the MUST cases for refusals it never makes, saying what it answered', () => {
    expectVerdict(yesEcho, 'short.bad-json', 'fail', /IMH_ERR_BAD_JSON, got HTTP 200 \{"ret":0/)
    expectVerdict(yesEcho, 'short.login-bad-password', 'fail', /IMH_ERR_BAD_CREDENTIALS, got HTTP 200/)
    expectVerdict(yesEcho, 'short.login-unknown-user', 'fail', /IMH_ERR_BAD_CREDENTIALS/)
    expectVerdict(yesEcho, 'short.register-duplicate', 'fail', /IMH_ERR_USER_EXISTS/)
    expectVerdict(yesEcho, 'short.register-bad-username', 'fail', /IMH_ERR_BAD_REQUEST/)
    expectVerdict(yesEcho, 'short.profile-bad-token', 'fail', /IMH_ERR_SESSION_INVALID/)
    expectVerdict(yesEcho, 'short.profile-unknown-user', 'fail', /IMH_ERR_UNKNOWN_USER/)
    expectVerdict(yesEcho, 'short.old-token-kicked', 'fail', /same token/)
    expectVerdict(yesEcho, 'short.oversize-body', 'fail', /IMH_ERR_BODY_TOO_LARGE/)
    expectVerdict(yesEcho, 'short.missing-body', 'fail', /IMH_ERR_BAD_JSON/)
    expectVerdict(yesEcho, 'short.bad-utf8', 'fail', /IMH_ERR_BAD_JSON/)
  })

  it('grade the SHOULD cases non-strict', () => {
    expectVerdict(yesEcho, 'short.unknown-route', 'non-strict', /IMH_ERR_NOT_FOUND, got HTTP 200/)
    expectVerdict(yesEcho, 'short.wrong-method', 'non-strict', /IMH_ERR_METHOD_NOT_ALLOWED/)
    expectVerdict(yesEcho, 'short.content-type', 'non-strict', /IMH_ERR_UNSUPPORTED_MEDIA_TYPE/)
  })

  it('still pass what the double does get right', () => {
    expectVerdict(yesEcho, 'short.register', 'pass')
    expectVerdict(yesEcho, 'short.max-body', 'pass')
  })
})

describe('framing cases against a long link that echoes NOOP to everything', () => {
  it('fail the fatal framing cases: no ERROR push, no close', () => {
    for (const [id, code] of [
      ['frame.bad-version', 'IMH_ERR_BAD_VERSION'], ['frame.bad-head-len', 'IMH_ERR_BAD_HEAD_LEN'], ['frame.too-short', 'IMH_ERR_FRAME_TOO_SHORT'],
      ['frame.oversize-header', 'IMH_ERR_FRAME_TOO_LARGE'], ['frame.length-mismatch', 'IMH_ERR_LENGTH_MISMATCH'],
      ['frame.text-message', 'IMH_ERR_TEXT_MESSAGE'], ['frame.check-order', 'IMH_ERR_BAD_HEAD_LEN'], ['frame.before-auth', 'IMH_ERR_BAD_VERSION'],
    ] as const) {
      expectVerdict(yesEcho, id, 'fail', new RegExp(`expected an ERROR push ${code}; none within \\d+ ms\\. The server sent: `))
    }
    expectVerdict(yesEcho, 'frame.oversize-body', 'fail', /expected an ERROR push IMH_ERR_FRAME_TOO_LARGE \(or a close 1009 with no ERROR\); none within \d+ ms\. The server sent: /)
    // The echo answered the NOOP sent behind the bad frame; the message shows it.
    expect(yesEcho['frame.bad-version']!.message).toMatch(/NOOP seq \d+ \(empty\)/)
  })

  it('fail the non-fatal content cases: the reply is a NOOP, not an ERROR', () => {
    expectVerdict(yesEcho, 'frame.bad-json', 'fail', /expected an ERROR reply IMH_ERR_BAD_JSON with seq \d+, got NOOP seq/)
    expectVerdict(yesEcho, 'frame.unknown-cmd', 'fail', /IMH_ERR_UNKNOWN_CMD with seq \d+, got NOOP seq/)
    expectVerdict(yesEcho, 'frame.bad-body', 'fail', /IMH_ERR_BAD_BODY/)
    expectVerdict(yesEcho, 'frame.empty-body', 'fail', /IMH_ERR_BAD_BODY/)
    expectVerdict(yesEcho, 'frame.seq-echo', 'fail', /expected a SYNC reply, got NOOP seq 1000/)
  })

  it('grade the SHOULD case non-strict', () => {
    expectVerdict(yesEcho, 'frame.server-only-cmd', 'non-strict', /IMH_ERR_UNKNOWN_CMD/)
  })

  it('pass the NOOP cases the echo gets right, and fail the run', () => {
    expectVerdict(yesEcho, 'frame.noop-body', 'pass')
    expectVerdict(yesEcho, 'frame.max-body', 'pass')
    expect(yesEchoReport.summary.ok).toBe(false)
    expect(yesEchoReport.summary.error).toBe(0)
  })
})

describe('framing cases against a long link that sends the right codes by the wrong rules', () => {
  it('fail a framing ERROR that is not a seq-0 push', () => {
    expectVerdict(sloppy, 'frame.bad-version', 'fail', /the ERROR came with seq [1-9]\d*; a framing error is answered by a push with seq 0/)
    expectVerdict(sloppy, 'frame.bad-head-len', 'fail', /ERROR came with seq/)
  })

  it('fail an ERROR of the wrong code: it honours a larger limit than it announces', () => {
    expectVerdict(sloppy, 'frame.oversize-header', 'fail', /ERROR code: expected "IMH_ERR_FRAME_TOO_LARGE", got "IMH_ERR_LENGTH_MISMATCH"/)
    expectVerdict(sloppy, 'frame.oversize-body', 'fail', /expected an ERROR push IMH_ERR_FRAME_TOO_LARGE \(or a close 1009 with no ERROR\); none within/)
  })

  it('fail a close code other than 4000 + ret mod 1000', () => {
    expectVerdict(sloppy, 'frame.too-short', 'fail', /close code after IMH_ERR_FRAME_TOO_SHORT: expected 4400, got 1000/)
    expectVerdict(sloppy, 'frame.text-message', 'fail', /close code after IMH_ERR_TEXT_MESSAGE: expected 4400, got 1000/)
  })

  it('fail content errors sent as pushes instead of replies echoing the seq', () => {
    expectVerdict(sloppy, 'frame.unknown-cmd', 'fail', /expected an ERROR reply IMH_ERR_UNKNOWN_CMD with seq \d+; none within \d+ ms\. The server sent: ERROR seq 0/)
    expectVerdict(sloppy, 'frame.server-only-cmd', 'non-strict', /ERROR seq 0/)
  })
})

describe('framing cases against a long link that keeps serving frames after a fatal error', () => {
  it('fail: the NOOP sent behind the bad frame was answered', () => {
    for (const id of ['frame.bad-version', 'frame.too-short', 'frame.text-message', 'frame.oversize-header']) {
      expectVerdict(lingering, id, 'fail', /the server answered the NOOP sent after the bad frame \(NOOP seq \d+ \(empty\)\); after a fatal error it must process no later frame/)
    }
  })
})

describe('short-link cases against a correct short link behind a proxy that answers every status as 200', () => {
  it('fail the MUST cases on the HTTP status, with the right ret in the body', () => {
    expectVerdict(status200, 'short.login-bad-password', 'fail', /ret 401 must travel with HTTP 401, got HTTP 200/)
    expectVerdict(status200, 'short.profile-bad-token', 'fail', /ret 1100 must travel with HTTP 401, got HTTP 200/)
    expectVerdict(status200, 'short.old-token-kicked', 'fail', /ret 1101 must travel with HTTP 401, got HTTP 200/)
    expectVerdict(status200, 'short.oversize-body', 'fail', /ret 413 must travel with HTTP 413, got HTTP 200/)
    expectVerdict(status200, 'short.bad-json', 'fail', /ret 400 must travel with HTTP 400, got HTTP 200/)
  })

  it('grade the SHOULD cases non-strict, and pass the successes', () => {
    expectVerdict(status200, 'short.unknown-route', 'non-strict', /ret 404 must travel with HTTP 404, got HTTP 200/)
    expectVerdict(status200, 'short.wrong-method', 'non-strict', /ret 405 must travel with HTTP 405, got HTTP 200/)
    for (const id of ['short.register', 'short.login', 'short.profile', 'short.max-body', 'short.isolation']) expectVerdict(status200, id, 'pass')
  })
})

describe('framing cases against a correct long link whose WebSocket message limit is exactly 20 + maxBodyBytes (§4.2)', () => {
  it('pass: a declared bodyLen over the limit is FRAME_TOO_LARGE, a message over the message limit may end in close 1009', () => {
    for (const id of ['frame.oversize-header', 'frame.oversize-body', 'frame.max-body', 'frame.length-mismatch', 'frame.too-short']) expectVerdict(literal, id, 'pass')
  })
})
