import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {
  CMD, HEAD_LEN, type Frame, cmdName, decodeFrame, parseAuth, parseAuthReply, parseCredentials, parseErrorReply, parseJsonBody, parseLoginReply,
  parseRegisterReply, parseSendMsg, parseSendMsgReply, parseSyncReply,
} from './index.js'
import {parseSync} from './sync-categories.js'

/**
 * PROTOCOL.md's Appendix A must agree with the codec: every frame shown there is decoded here and
 * checked against its annotation (direction, command, seq) and its body, so the transcript cannot rot.
 */
const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')
const appendix = doc.slice(doc.indexOf('<a id="appendix-a"></a>'))

function blocks(lang: string): string[][] {
  return [...appendix.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!.replace(/\n$/, '').split('\n'))
}

interface Shown { dir: 'C→S' | 'S→C'; name: string; seq: number; frame: Frame; text: string }

function annotation(line: string): {dir: 'C→S' | 'S→C'; name: string; seq: number} {
  const m = /^(C→S|S→C) ([A-Z_]+) seq (\d+)$/.exec(line)
  expect(m, `annotation line ${JSON.stringify(line)}`).toBeTruthy()
  return {dir: m![1] as 'C→S' | 'S→C', name: m![2]!, seq: Number(m![3])}
}

/** The body parsed as the side that receives it would parse it. */
function checkBody(s: Shown): void {
  const what = `${s.dir} ${s.name} seq ${s.seq}`
  if (s.name === 'SYNC_NOTIFY') return void expect(s.frame.body.length, what).toBe(0)
  const body = parseJsonBody(s.frame.body)
  const parse = s.dir === 'C→S'
    ? {AUTH: parseAuth, SEND_MSG: parseSendMsg, SYNC: parseSync}[s.name]
    : {AUTH: parseAuthReply, SEND_MSG: parseSendMsgReply, SYNC: parseSyncReply, ERROR: parseErrorReply}[s.name]
  expect(parse, `${what}: a command the appendix may show`).toBeDefined()
  expect(() => parse!(body), what).not.toThrow()
}

function shown(lines: string[], bytes: Buffer, text: string): Shown {
  const a = annotation(lines[0]!)
  const frame = decodeFrame(bytes)
  const what = lines[0]!
  expect(cmdName(frame.cmd), what).toBe(a.name)
  expect(frame.cmd, what).toBe(CMD[a.name as keyof typeof CMD])
  expect(frame.seq, what).toBe(a.seq)
  expect(frame.body.toString('utf8'), what).toBe(text)
  if (a.dir === 'C→S') expect(a.seq, `${what}: a client never sends seq 0`).toBeGreaterThan(0)
  if (a.name === 'SYNC_NOTIFY') expect(a.seq, `${what}: a push`).toBe(0)
  return {...a, frame, text}
}

/** `imh-frame`: annotation, `head` (five uint32 in hex), `body` (the exact body text). */
function headerFrames(): Shown[] {
  return blocks('imh-frame').map((lines) => {
    expect(lines, lines[0]).toHaveLength(3)
    const head = /^head ((?:[0-9a-f]{8} ?){5})$/.exec(lines[1]!)
    expect(head, `${lines[0]}: head line ${JSON.stringify(lines[1])}`).toBeTruthy()
    const body = /^body ?(.*)$/.exec(lines[2]!)![1]!
    const bytes = Buffer.concat([Buffer.from(head![1]!.replace(/ /g, ''), 'hex'), Buffer.from(body, 'utf8')])
    return shown(lines, bytes, body)
  })
}

/** `imh-hex`: annotation, then hexdump rows `offset  groups  ascii`, checked row by row. */
function dumpedFrames(): Shown[] {
  return blocks('imh-hex').map((lines) => {
    const rows = lines.slice(1).map((row, i) => {
      // Fixed columns, as in §4.1: offset, two spaces, four 8-digit groups (35 wide), two spaces, ASCII.
      const m = /^([0-9a-f]{8}) {2}([0-9a-f ]{35}) {2}(.*)$/.exec(row)
      expect(m, `${lines[0]}: row ${JSON.stringify(row)}`).toBeTruthy()
      expect(parseInt(m![1]!, 16), `${lines[0]}: offset of row ${i + 1}`).toBe(i * 16)
      const bytes = Buffer.from(m![2]!.replace(/ /g, ''), 'hex')
      expect(m![3], `${lines[0]}: ASCII column of row ${i + 1}`).toBe(Array.from(bytes, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join(''))
      return bytes
    })
    const bytes = Buffer.concat(rows)
    return shown(lines, bytes, bytes.subarray(HEAD_LEN).toString('utf8'))
  })
}

describe('PROTOCOL.md Appendix A (annotated transcript)', () => {
  it('decodes every frame with the codec, agreeing with its annotation and body', () => {
    const frames = headerFrames()
    const dumps = dumpedFrames()
    for (const s of [...frames, ...dumps]) checkBody(s)
    expect(frames.length).toBeGreaterThanOrEqual(15)
  })

  it('shows the whole flow: AUTH, SEND_MSG, SYNC_NOTIFY, SYNC and its ack, an ERROR in hex, an epoch-0 and a resync reply', () => {
    const frames = headerFrames()
    const dumps = dumpedFrames()
    const names = new Set(frames.map((s) => `${s.dir} ${s.name}`))
    for (const n of ['C→S AUTH', 'S→C AUTH', 'C→S SEND_MSG', 'S→C SEND_MSG', 'S→C SYNC_NOTIFY', 'C→S SYNC', 'S→C SYNC']) expect(names, n).toContain(n)
    expect(dumps.map((s) => s.name)).toContain('ERROR')
    const requests = new Map(frames.filter((s) => s.dir === 'C→S' && s.name === 'SYNC').map((s) => [s.seq, parseSync(parseJsonBody(s.frame.body))]))
    const replies = frames.filter((s) => s.dir === 'S→C' && s.name === 'SYNC').map((s) => ({req: requests.get(s.seq)!, reply: parseSyncReply(parseJsonBody(s.frame.body))}))
    const epoch0 = replies.filter((r) => r.req.syncKey.epoch === 0)
    expect(epoch0.length).toBeGreaterThan(0)
    for (const r of epoch0) expect(r.reply.resync ?? false, 'an epoch-0 reply never says resync (§6.6)').toBe(false)
    expect(replies.some((r) => r.reply.resync === true && r.req.syncKey.epoch !== r.reply.syncKey.epoch)).toBe(true)
    expect(replies.some((r) => r.req.syncKey.epoch === r.reply.syncKey.epoch && r.req.syncKey.seq > 0), 'a SYNC that acknowledges').toBe(true)
  })

  it('shows register and login on the short link with bodies the codec reads', () => {
    const http = blocks('imh-http').flat()
    expect(http.length % 2).toBe(0)
    const routes: string[] = []
    for (let i = 0; i < http.length; i += 2) {
      const req = /^POST (\/\w+) (\{.*\})$/.exec(http[i]!)
      const res = /^200 (\{.*\})$/.exec(http[i + 1]!)
      expect(req && res, `${http[i]} / ${http[i + 1]}`).toBeTruthy()
      expect(() => parseCredentials(JSON.parse(req![2]!))).not.toThrow()
      const reply = JSON.parse(res![1]!)
      expect(() => (req![1] === '/login' ? parseLoginReply(reply) : parseRegisterReply(reply)), http[i + 1]).not.toThrow()
      routes.push(req![1]!)
    }
    expect(routes).toEqual(expect.arrayContaining(['/register', '/login']))
  })
})
