import {get as httpGet} from 'node:http'
import {get as httpsGet} from 'node:https'
import {resolveServices} from '../../client/resolve.js'
import {LongLink} from '../../client/long-link.js'
import {CMD, type AuthReply, type SchedulerAnswer, encodeFrame, isStreamAddress, parseSchedulerAnswer} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {RawStream} from './stream-util.js'

/** A stream address (tcp://, tls://) serves the long link: a NOOP before AUTH is answered IMH_ERR_NOT_AUTHENTICATED (§5.1). */
async function checkStreamAddress(ctx: CaseContext, url: string): Promise<void> {
  const s = await RawStream.connect(url, {ca: ctx.target.ca, rejectUnauthorized: ctx.target.rejectUnauthorized, timeoutMs: ctx.ms(5000)})
  try {
    s.write(encodeFrame(CMD.NOOP, 1))
    const err = await s.find((f) => f.cmd === CMD.ERROR, ctx.ms(5000))
    check(err, `${url}: a NOOP before AUTH got no ERROR (the server sent ${s.summary()}${s.closed ? ', then closed' : ''}); the address does not serve the long link as a byte stream (§4.2)`)
  } finally {
    s.destroy()
  }
}

/** GET with Node's own client, to learn the local address the request left from. */
function rawGet(url: string, timeoutMs: number, ca?: string | Buffer): Promise<{status: number; type: string; body: string; localAddress: string}> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet
    const req = get(url, {timeout: timeoutMs, ...(ca ? {ca} : {})}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), localAddress: req.socket?.localAddress ?? ''}))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

/** The scheduler's answer as the suite sees it on the wire: status and body checked, then parsed. */
async function fetchAnswer(ctx: CaseContext): Promise<{answer: SchedulerAnswer; localAddress: string}> {
  const res = await rawGet(ctx.target.scheduler, ctx.ms(2000), ctx.target.ca)
  check(res.status === 200, `GET ${ctx.target.scheduler} answered HTTP ${res.status}: ${res.body.slice(0, 120)}`)
  let json: unknown
  try {
    json = JSON.parse(res.body)
  } catch {
    throw new CaseFailure(`the answer is not JSON (content-type "${res.type}"): ${res.body.slice(0, 120)}`)
  }
  return {answer: parseSchedulerAnswer(json), localAddress: res.localAddress}
}

function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

export const schedulerCases: readonly CaseDefinition[] = [
  {
    id: 'scheduler.answers-json',
    section: '2.2',
    level: 'MUST',
    requirement: 'GET /dns answers 200 with a JSON object whose ret is 0',
    async run(ctx) {
      const res = await rawGet(ctx.target.scheduler, ctx.ms(2000), ctx.target.ca)
      checkEqual(res.status, 200, 'HTTP status')
      check(/^application\/json\b/i.test(res.type), `content-type must be application/json, got "${res.type}"`)
      let json: {ret?: unknown}
      try {
        json = JSON.parse(res.body)
      } catch {
        throw new CaseFailure(`body is not JSON: ${res.body.slice(0, 120)}`)
      }
      checkEqual(json.ret, 0, 'ret')
    },
  },
  {
    id: 'scheduler.groups-listed',
    section: '2.2',
    level: 'MUST',
    requirement: 'the answer lists every group as an array of URLs of its scheme; long and short are not empty',
    async run(ctx) {
      // parseSchedulerAnswer refuses a missing group, a non-array and an address of the wrong scheme.
      const {answer} = await fetchAnswer(ctx)
      check(answer.groups.long.length > 0, 'groups.long is empty')
      check(answer.groups.short.length > 0, 'groups.short is empty')
    },
  },
  {
    id: 'scheduler.ttl',
    section: '2.2',
    level: 'MUST',
    requirement: 'ttl is a whole number of seconds greater than 0',
    async run(ctx) {
      const ttl = ctx.answer.ttl
      check(Number.isInteger(ttl) && ttl > 0, `ttl must be an integer > 0, got ${JSON.stringify(ttl)}`)
    },
  },
  {
    id: 'scheduler.client-ip',
    section: '2.2',
    level: 'MUST',
    requirement: 'clientIp is the address the request came from, IPv4-mapped IPv6 shown as IPv4',
    async run(ctx) {
      const {answer, localAddress} = await fetchAnswer(ctx)
      checkEqual(answer.clientIp, plainIp(localAddress), 'clientIp')
    },
  },
  {
    id: 'scheduler.fallback-listed',
    section: '2.2',
    level: 'MUST',
    requirement: 'the answer carries a fallback list with long and short addresses',
    async run(ctx) {
      const fb = ctx.answer.fallback
      check(fb.long && fb.long.length > 0, 'fallback.long is missing or empty')
      check(fb.short && fb.short.length > 0, 'fallback.short is missing or empty')
    },
  },
  {
    id: 'scheduler.fallback-serves',
    section: '2.4',
    level: 'MUST',
    requirement: 'with the scheduler unreachable, a client on the fallback list logs in and holds a long link',
    async run(ctx) {
      const user = await ctx.newUser()
      // Port 1 on loopback refuses at once: the scheduler is "down" and no DNS name is configured.
      const resolved = await resolveServices({scheduler: 'http://127.0.0.1:1/dns', fallback: ctx.answer.fallback, schedulerTimeoutMs: ctx.ms(2000)})
      checkEqual(resolved.sources.short, 'fallback', 'source of the short address')
      const short = ctx.short(resolved.groups.short[0])
      const login = await short.login({username: user.username, password: user.password})
      // The fallback list is shuffled: the case is about the fallback, so it takes a WebSocket address.
      const link = await ctx.link({url: resolved.groups.long.find((a) => !isStreamAddress(a))})
      const auth = await link.call<AuthReply>(CMD.AUTH, {token: login.token})
      checkEqual(auth.userId, user.userId, 'userId after AUTH through the fallback address')
      await link.request(CMD.NOOP)
    },
  },
  {
    id: 'scheduler.addresses-serve',
    section: '2.2',
    level: 'MUST',
    requirement: 'every long and short address listed answers: WebSocket upgrade (a stream address: an ERROR to a frame before AUTH), and a short-link envelope',
    async run(ctx) {
      for (const url of ctx.answer.groups.short) {
        const res = await ctx.short(url).raw('POST', '/heartbeat', {body: '{}', headers: {'content-type': 'application/json'}})
        check(typeof (res.json as {ret?: unknown})?.ret === 'number', `${url}/heartbeat did not answer a {ret, …} envelope (HTTP ${res.status})`)
        // A 404 envelope proves a server listens there, not that this address serves the short link.
        check(res.status !== 404 && (res.json as {code?: unknown})?.code !== 'IMH_ERR_NOT_FOUND', `${url}/heartbeat answered "no such route" (HTTP ${res.status}): the address does not serve the short link (§2.2: route paths are appended to the address's path)`)
      }
      for (const url of ctx.answer.groups.long) {
        if (isStreamAddress(url)) {
          await checkStreamAddress(ctx, url)
          continue
        }
        const link = await LongLink.connect(url, {connectTimeoutMs: ctx.ms(5000), ca: ctx.target.ca, rejectUnauthorized: ctx.target.rejectUnauthorized, trace: ctx.trace.sink})
        link.terminate()
      }
    },
  },
  {
    id: 'scheduler.limits-announced',
    section: '2.3',
    level: 'SHOULD',
    requirement: 'the answer announces its limits (time-outs, body sizes, sync page sizes)',
    async run(ctx) {
      const limits = ctx.answer.limits
      check(limits, 'no limits object: the suite falls back to the spec defaults and skips long waits')
      for (const key of ['handshakeTimeoutMs', 'idleTimeoutMs', 'heartbeatIntervalMs', 'maxBodyBytes', 'shortMaxBodyBytes', 'syncPageDefault', 'syncPageMax'] as const) {
        const v = limits[key]
        check(Number.isInteger(v) && (v as number) > 0, `limits.${key} must be an integer > 0, got ${JSON.stringify(v)}`)
      }
    },
  },
]
