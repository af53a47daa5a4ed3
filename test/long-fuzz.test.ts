import {readdirSync, readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import WebSocket from 'ws'
import {seededRandom} from '../src/common/random.js'
import {RawStream} from '../src/conform/cases/stream-util.js'
import {CMD, ERRORS, type Frame, FrameStreamDecoder, closeCodeFor, decodeFrame, encodeFrame, isErrorCode, isImhError, parseJsonBody} from '../src/protocol/index.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {type CorpusEntry, type FuzzInput, FuzzGenerator, frameBytes, streamWrites} from './support/long-fuzz.js'

/**
 * Seeded fuzzing of the long link (issue 18, item 6): valid and invalid frames, split and joined
 * at random over TCP, whole (or as text) over WebSocket. Whatever comes, the server answers with
 * frames whose ERRORs are coded, ends a link only after a fatal ERROR (and always after a framing
 * error or a frame left incomplete), processes nothing after it, and keeps serving a well-behaved
 * client meanwhile. IMH_FUZZ_SEED=N replays a run; an input that breaks something goes into
 * test/fuzz-corpus/ (the failure prints it), replayed below for good.
 */
const SEED = Number(process.env.IMH_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32))
const TCP_INPUTS = 60
const WS_INPUTS = 20
/** Inputs in flight at once, and the whole run's time budget. */
const PARALLEL = 4
const BUDGET_MS = 8000
const LIMITS = {frameTimeoutMs: 200, maxBodyBytes: 1024, handshakeTimeoutMs: 5000, idleTimeoutMs: 10_000}
const CORPUS = new URL('./fuzz-corpus/', import.meta.url)

let server: ReferenceServer
let peer: string
let users = 0
beforeAll(async () => {
  console.log(`long-link fuzz: IMH_FUZZ_SEED=${SEED}`)
  server = await startReferenceServer({limits: LIMITS})
  peer = (await server.store.createUser('fuzz-peer', 'h'))!.userId
})
afterAll(() => server?.close())

async function freshToken(): Promise<string> {
  const user = (await server.store.createUser(`fuzz-${++users}`, 'h'))!
  return server.store.issueToken(user.userId)
}

/** What came back on one link. */
interface Outcome {
  frames: Frame[]
  closed: boolean
  /** ws: the close code. */
  closeCode?: number
}

/** What the server must make of the input's bytes, as the codec reads them. */
interface Model {
  /** Seqs of the frames that decode, in order, up to the first framing error. */
  seqs: number[]
  /** The framing error the bytes hold, if any (the first). */
  framingError?: string
  /** Bytes of an incomplete frame at the end (tcp). */
  partial: boolean
}

function modelOf(input: FuzzInput, vars: {token: string; peer: string}): Model {
  const seqs: number[] = []
  if (input.transport === 'tcp') {
    const decoder = new FrameStreamDecoder(LIMITS.maxBodyBytes)
    try {
      for (const w of streamWrites(input, vars)) decoder.feed(w, (f) => seqs.push(f.seq))
    } catch (err) {
      return {seqs, framingError: isImhError(err) ? err.code : String(err), partial: false}
    }
    return {seqs, partial: decoder.pendingBytes > 0}
  }
  for (const [i, f] of input.frames.entries()) {
    if (input.text?.includes(i)) return {seqs, framingError: 'IMH_ERR_TEXT_MESSAGE', partial: false}
    try {
      seqs.push(decodeFrame(frameBytes(f, vars), LIMITS.maxBodyBytes).seq)
    } catch (err) {
      return {seqs, framingError: isImhError(err) ? err.code : String(err), partial: false}
    }
  }
  return {seqs, partial: false}
}

async function runTcp(input: FuzzInput, vars: {token: string; peer: string}, model: Model): Promise<Outcome> {
  const s = await RawStream.connect(server.urls.longTcp)
  try {
    for (const w of streamWrites(input, vars)) {
      if (!s.write(w)) break
      await new Promise((r) => setImmediate(r))
    }
    await settle(() => s.frames.length, () => s.closed, model)
    if (s.decodeError) throw new Error(`the server's bytes are not frames: ${s.decodeError.message}`)
    return {frames: [...s.frames], closed: s.closed}
  } finally {
    s.destroy()
  }
}

async function runWs(input: FuzzInput, vars: {token: string; peer: string}, model: Model): Promise<Outcome> {
  const ws = new WebSocket(server.urls.long)
  const frames: Frame[] = []
  let closeCode: number | undefined
  ws.on('message', (data: Buffer) => frames.push(decodeFrame(data, 16 * 1024 * 1024)))
  ws.on('close', (code) => (closeCode = code))
  ws.on('error', () => {})
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  try {
    for (const [i, f] of input.frames.entries()) {
      if (ws.readyState !== WebSocket.OPEN) break
      const bytes = frameBytes(f, vars)
      ws.send(input.text?.includes(i) ? bytes.toString('latin1') : bytes, {binary: !input.text?.includes(i)})
    }
    await settle(() => frames.length, () => closeCode !== undefined, model)
    return {frames, closed: closeCode !== undefined, closeCode}
  } finally {
    ws.terminate()
  }
}

/** Waits for the close the model calls for, or for the answers to stop coming. */
async function settle(count: () => number, closed: () => boolean, model: Model): Promise<void> {
  const mustClose = model.framingError !== undefined || model.partial
  // Generous: only an input the server mishandles waits this out, and a loaded CI machine is slow.
  const deadline = performance.now() + 5000
  let last = count()
  let quietSince = performance.now()
  while (!closed() && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10))
    if (count() !== last) {
      last = count()
      quietSince = performance.now()
    }
    // Every decoded frame answered and quiet for a while: nothing more is coming.
    if (!mustClose && count() >= model.seqs.length && performance.now() - quietSince > 100) break
  }
  // A fatal ERROR is followed by the close.
  if (!closed()) await new Promise((r) => setTimeout(r, 50))
}

function errorCode(f: Frame): string {
  const body = parseJsonBody(f.body) as {ret?: unknown; code?: unknown; errMsg?: unknown}
  if (!isErrorCode(body.code)) throw new Error(`an ERROR with no known code: ${f.body.toString('utf8')}`)
  expect(body.ret, `ret of ${body.code}`).toBe(ERRORS[body.code].ret)
  expect(typeof body.errMsg).toBe('string')
  return body.code
}

/** The invariants every input is held to; a corpus entry adds its own expectations. */
function checkOutcome(input: FuzzInput, model: Model, out: Outcome, entry?: CorpusEntry): void {
  const codes = out.frames.map((f) => (f.cmd === CMD.ERROR ? errorCode(f) : undefined))
  const fatalAt = codes.findIndex((c) => c !== undefined && ERRORS[c as keyof typeof ERRORS].fatal)
  const fatal = fatalAt >= 0 ? codes[fatalAt] : undefined
  // Nothing after a fatal ERROR, and the close right behind it; no close without one.
  if (fatalAt >= 0) expect(out.frames.length, `frames after the fatal ${fatal}`).toBe(fatalAt + 1)
  expect(out.closed, fatal ? `closed after ${fatal}` : 'closed without a fatal ERROR').toBe(fatalAt >= 0)
  if (out.closeCode !== undefined && fatal) expect(out.closeCode).toBe(closeCodeFor(ERRORS[fatal as keyof typeof ERRORS].ret))
  // A framing error or an incomplete frame always ends the link; the first framing error is the codec's.
  if (model.framingError || model.partial) expect(fatal, 'the fatal ERROR after a framing error or an incomplete frame').toBeDefined()
  const framing = ['IMH_ERR_FRAME_TOO_SHORT', 'IMH_ERR_BAD_HEAD_LEN', 'IMH_ERR_BAD_VERSION', 'IMH_ERR_FRAME_TOO_LARGE', 'IMH_ERR_LENGTH_MISMATCH', 'IMH_ERR_TEXT_MESSAGE', 'IMH_ERR_FRAME_TIMEOUT']
  if (fatal && framing.includes(fatal)) expect(fatal).toBe(model.framingError ?? 'IMH_ERR_FRAME_TIMEOUT')
  // Replies in request order, one per request, to requests that decoded: all of them unless a fatal error came first.
  const replies = out.frames.filter((f) => f.seq !== 0).map((f) => f.seq)
  const sent = model.seqs.filter((s) => s !== 0)
  // A framing error comes after every frame before it is answered; another fatal error may cut the replies short.
  if (fatalAt >= 0 && !framing.includes(fatal!)) expect(sent.slice(0, replies.length), 'replies, in request order').toEqual(replies)
  else expect(replies, 'a reply to every request that decoded, in order').toEqual(sent)
  if (entry?.expectReplies) expect(replies).toEqual(entry.expectReplies)
  if (entry?.expectFatal) expect(fatal).toBe(entry.expectFatal)
  const key = `${input.transport} ${fatal ?? 'open'}`
  seen.set(key, (seen.get(key) ?? 0) + 1)
}

/** How the inputs ended, by transport and fatal code: printed, so that a run shows what it covered. */
const seen = new Map<string, number>()

async function runInput(input: FuzzInput, entry?: CorpusEntry): Promise<void> {
  const vars = {token: await freshToken(), peer}
  const model = modelOf(input, vars)
  const out = input.transport === 'tcp' ? await runTcp(input, vars, model) : await runWs(input, vars, model)
  checkOutcome(input, model, out, entry)
}

/** A well-behaved client on the stream heartbeating all along: every NOOP echoed in time. */
async function wellBehaved(): Promise<{stop(): Promise<{sent: number; echoed: number; closed: boolean}>}> {
  const s = await RawStream.connect(server.urls.longTcp)
  s.write(encodeFrame(CMD.AUTH, 1, {token: await freshToken()}))
  let seq = 1
  const timer = setInterval(() => s.write(encodeFrame(CMD.NOOP, ++seq)), 20)
  return {
    async stop() {
      clearInterval(timer)
      await s.until(() => s.frames.length === seq, 2000)
      const result = {sent: seq, echoed: s.frames.filter((f) => f.cmd === CMD.NOOP || f.cmd === CMD.AUTH).length, closed: s.closed}
      s.destroy()
      return result
    },
  }
}

describe('long-link fuzzing (seeded; IMH_FUZZ_SEED replays)', () => {
  it(`answers ${TCP_INPUTS} tcp and ${WS_INPUTS} ws inputs with coded errors or closes, and keeps serving a well-behaved client`, async () => {
    const gen = new FuzzGenerator(seededRandom(SEED), LIMITS.maxBodyBytes)
    // Generated up front, so that a seed gives the same inputs however the run's timing goes.
    const inputs = [...Array.from({length: TCP_INPUTS}, () => gen.input('tcp')), ...Array.from({length: WS_INPUTS}, () => gen.input('ws'))]
    const good = await wellBehaved()
    const started = performance.now()
    let next = 0
    let ran = 0
    const worker = async (): Promise<void> => {
      while (next < inputs.length && performance.now() - started < BUDGET_MS) {
        const i = next++
        try {
          await runInput(inputs[i]!)
          ran++
        } catch (err) {
          throw new Error(`IMH_FUZZ_SEED=${SEED} input ${i} broke: ${(err as Error).message}\nadd to test/fuzz-corpus/: ${JSON.stringify({note: '…', ...inputs[i]})}`, {cause: err})
        }
      }
    }
    await Promise.all(Array.from({length: PARALLEL}, worker))
    const g = await good.stop()
    expect(g.closed, 'the well-behaved client was closed').toBe(false)
    expect(g.echoed, 'NOOPs of the well-behaved client echoed').toBe(g.sent)
    console.log(`long-link fuzz: ${ran} inputs in ${Math.round(performance.now() - started)} ms; ended: ${[...seen].sort().map(([k, n]) => `${k} ×${n}`).join(', ')}`)
    expect(ran).toBeGreaterThanOrEqual(Math.min(inputs.length, 20))
    // The server still serves both transports.
    await runInput({transport: 'ws', frames: [{cmd: CMD.AUTH, seq: 1, body: '{"token":"$TOKEN"}'}, {cmd: CMD.NOOP, seq: 2}]})
  }, 30_000)

  const corpus = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort()
  it.each(corpus)('replays the corpus input %s', async (file) => {
    const entry = JSON.parse(readFileSync(new URL(file, CORPUS), 'utf8')) as CorpusEntry
    expect(entry.note.length).toBeGreaterThan(0)
    await runInput(entry, entry)
  })
})
