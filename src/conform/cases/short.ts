import {connect as netConnect, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'
import {groupUrl} from '../../client/group-url.js'
import type {RawResponse, ShortClient} from '../../client/short-client.js'
import {SHORT_ROUTES} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {checkNamesField} from './field-name.js'
import {type Json, bearer, checkFail, checkOk, isObject} from './http-expect.js'

const JSON_TYPE = 'application/json'
const R = SHORT_ROUTES

/** POST with a JSON content type; `body` is sent as given when it is a string or bytes. */
function post(short: ShortClient, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
  return short.raw('POST', path, {body: bytes, headers: {'content-type': JSON_TYPE, ...headers}})
}

/** Registers `username` and checks the answer; returns the userId. */
async function registerOk(short: ShortClient, username: string, password: string, what: string): Promise<string> {
  const body = checkOk(await post(short, R.register.path, {username, password}), what)
  check(typeof body.userId === 'string' && body.userId !== '', `${what}: userId must be a non-empty string, got ${JSON.stringify(body.userId)}`)
  return body.userId
}

async function loginOk(short: ShortClient, username: string, password: string, what: string): Promise<{userId: string; token: string}> {
  const body = checkOk(await post(short, R.login.path, {username, password}), what)
  check(typeof body.userId === 'string' && body.userId !== '', `${what}: userId must be a non-empty string, got ${JSON.stringify(body.userId)}`)
  check(typeof body.token === 'string' && /^[\x21-\x7e]+$/.test(body.token), `${what}: token must be a non-empty string of visible ASCII, got ${JSON.stringify(body.token)}`)
  return {userId: body.userId, token: body.token}
}

/** A valid register body of exactly `size` bytes (padded with whitespace, which JSON allows). */
function paddedCredentials(username: string, password: string, size: number): string {
  const core = JSON.stringify({username, password})
  const pad = size - Buffer.byteLength(core)
  if (pad < 0) throw new Error(`cannot pad ${core.length} bytes down to ${size}`)
  return `${core.slice(0, -1)}${' '.repeat(pad)}}`
}

/** Opens a raw TCP (or TLS) connection to the short link, for requests no HTTP client would send. */
function rawSocket(ctx: CaseContext, timeoutMs: number): Promise<Socket> {
  const url = new URL(ctx.shortUrl)
  const tls = url.protocol === 'https:'
  const port = Number(url.port || (tls ? 443 : 80))
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new Promise((resolve, reject) => {
    const socket: Socket = tls
      ? tlsConnect({host, port, servername: host, ca: ctx.target.ca, rejectUnauthorized: ctx.target.rejectUnauthorized})
      : netConnect({host, port})
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new CaseFailure(`could not connect to ${url.host} within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      socket.on('error', () => {})
      resolve(socket)
    })
    const fail = (err: Error) => {
      clearTimeout(timer)
      reject(new CaseFailure(`could not connect to ${url.host}: ${err.message}`))
    }
    socket.once('error', fail)
    ctx.onCleanup(() => socket.destroy())
  })
}

export const shortCases: readonly CaseDefinition[] = [
  {
    id: 'short.register',
    section: '3.3',
    level: 'MUST',
    requirement: 'POST /register with a fresh username answers HTTP 200 {ret: 0, userId} as application/json',
    async run(ctx) {
      await registerOk(ctx.short(), ctx.uniqueName('reg'), 'pw-register', 'POST /register')
    },
  },
  {
    id: 'short.register-limits',
    section: '3.3',
    level: 'MUST',
    requirement: 'a 64-character username of A-Za-z0-9_.- and a 128-character password are accepted',
    async run(ctx) {
      const short = ctx.short()
      const base = `${ctx.uniqueName('edge')}_.-AZaz09`
      const username = base.padEnd(64, 'x')
      const password = 'P'.repeat(128)
      const userId = await registerOk(short, username, password, `POST /register with the 64-character username "${username}"`)
      const login = await loginOk(short, username, password, 'POST /login with the 64-character username and 128-character password')
      checkEqual(login.userId, userId, 'userId of the login')
    },
  },
  {
    id: 'short.register-duplicate',
    section: '3.3',
    level: 'MUST',
    requirement: 'registering a username a second time answers 409 IMH_ERR_USER_EXISTS',
    async run(ctx) {
      const short = ctx.short()
      const username = ctx.uniqueName('dup')
      await registerOk(short, username, 'pw-first', 'first POST /register')
      checkFail(await post(short, R.register.path, {username, password: 'pw-second'}), 'IMH_ERR_USER_EXISTS', 'second POST /register of the same username')
      // The first registration must stand: its password still logs in.
      await loginOk(short, username, 'pw-first', 'POST /login with the first password after the refused duplicate')
    },
  },
  {
    id: 'short.register-bad-username',
    section: '3.3',
    level: 'MUST',
    requirement: 'a username that is empty, over 64 characters or outside A-Za-z0-9_.- answers 400 IMH_ERR_BAD_REQUEST naming the field',
    async run(ctx) {
      const short = ctx.short()
      const bad = ['', 'with space', 'x'.repeat(65), 'slash/name', 'caf\u00e9', '\u540d\u524d', 'semi;colon']
      for (const username of bad) {
        const what = `POST /register with username ${JSON.stringify(username.length > 20 ? `${username.slice(0, 12)}… (${username.length} chars)` : username)}`
        const body = checkFail(await post(short, R.register.path, {username, password: 'pw-ok'}), 'IMH_ERR_BAD_REQUEST', what)
        checkNamesField(body.errMsg, 'username', what)
      }
    },
  },
  {
    id: 'short.register-bad-password',
    section: '3.3',
    level: 'MUST',
    requirement: 'an empty password or one over 128 characters answers 400 IMH_ERR_BAD_REQUEST naming the field',
    async run(ctx) {
      const short = ctx.short()
      for (const password of ['', 'p'.repeat(129)]) {
        const what = `POST /register with a password of ${password.length} characters`
        const body = checkFail(await post(short, R.register.path, {username: ctx.uniqueName('pw'), password}), 'IMH_ERR_BAD_REQUEST', what)
        checkNamesField(body.errMsg, 'password', what)
      }
    },
  },
  {
    id: 'short.bad-request',
    section: '3.7',
    level: 'MUST',
    requirement: 'a body that is not an object, or has a field missing or of the wrong type, answers 400 IMH_ERR_BAD_REQUEST naming the field',
    async run(ctx) {
      const short = ctx.short()
      for (const body of ['[]', '"alice"', 'null', '42']) {
        checkFail(await post(short, R.register.path, body), 'IMH_ERR_BAD_REQUEST', `POST /register with the JSON body ${body}`)
      }
      const fielded: [unknown, string][] = [
        [{username: ctx.uniqueName('f')}, 'password'],
        [{password: 'pw'}, 'username'],
        [{username: 12345, password: 'pw'}, 'username'],
        [{username: ctx.uniqueName('f'), password: ['pw']}, 'password'],
      ]
      for (const [body, field] of fielded) {
        for (const route of [R.register, R.login]) {
          const what = `POST ${route.path} with ${JSON.stringify(body)}`
          const fail = checkFail(await post(short, route.path, body), 'IMH_ERR_BAD_REQUEST', what)
          checkNamesField(fail.errMsg, field, what)
        }
      }
    },
  },
  {
    id: 'short.login',
    section: '3.4',
    level: 'MUST',
    requirement: 'POST /login answers {ret: 0, userId, token}: the userId of the registration and a visible-ASCII token',
    async run(ctx) {
      const short = ctx.short()
      const username = ctx.uniqueName('login')
      const userId = await registerOk(short, username, 'pw-login', 'POST /register')
      const login = await loginOk(short, username, 'pw-login', 'POST /login')
      checkEqual(login.userId, userId, 'userId of the login (must be the one /register gave)')
    },
  },
  {
    id: 'short.login-bad-password',
    section: '3.4',
    level: 'MUST',
    requirement: 'a wrong password answers HTTP 401 {ret: 401, code: IMH_ERR_BAD_CREDENTIALS}',
    async run(ctx) {
      const user = await ctx.newUser()
      const short = ctx.short()
      checkFail(await post(short, R.login.path, {username: user.username, password: `${user.password}-wrong`}), 'IMH_ERR_BAD_CREDENTIALS', 'POST /login with a wrong password')
      // The refused attempt must not have replaced the session.
      checkOk(await short.raw('GET', R.profile.path, {headers: bearer(user.token)}), 'GET /profile with the token of before the failed login')
    },
  },
  {
    id: 'short.login-unknown-user',
    section: '3.4',
    level: 'MUST',
    requirement: 'an unknown username answers 401 IMH_ERR_BAD_CREDENTIALS, indistinguishable from a wrong password',
    async run(ctx) {
      const short = ctx.short()
      const user = await ctx.newUser()
      const ghost = ctx.uniqueName('ghost')
      const unknown = checkFail(await post(short, R.login.path, {username: ghost, password: 'pw-ghost'}), 'IMH_ERR_BAD_CREDENTIALS', 'POST /login with a username never registered')
      const wrong = checkFail(await post(short, R.login.path, {username: user.username, password: 'pw-ghost'}), 'IMH_ERR_BAD_CREDENTIALS', 'POST /login with a wrong password')
      const neutral = (msg: string, name: string) => msg.split(name).join('<username>')
      check(neutral(unknown.errMsg, ghost) === neutral(wrong.errMsg, user.username),
        `an unknown user and a wrong password must not be distinguishable; errMsg was ${JSON.stringify(unknown.errMsg)} for the unknown user and ${JSON.stringify(wrong.errMsg)} for the wrong password`)
    },
  },
  {
    id: 'short.old-token-kicked',
    section: '3.4',
    level: 'MUST',
    requirement: 'a new login issues a new token; the previous token is then answered HTTP 401 {ret: 1101, code: IMH_ERR_KICKED}',
    async run(ctx) {
      const user = await ctx.newUser()
      const short = ctx.short()
      const second = await loginOk(short, user.username, user.password, 'second POST /login')
      check(second.token !== user.token, `the second login returned the same token ${JSON.stringify(second.token)}; every login must issue a new one`)
      checkFail(await short.raw('GET', R.profile.path, {headers: bearer(user.token)}), 'IMH_ERR_KICKED', 'GET /profile with the superseded token')
      checkFail(await short.raw('POST', R.heartbeat.path, {headers: bearer(user.token)}), 'IMH_ERR_KICKED', 'POST /heartbeat with the superseded token')
      checkOk(await short.raw('GET', R.profile.path, {headers: bearer(second.token)}), 'GET /profile with the new token')
    },
  },
  {
    id: 'short.profile',
    section: '3.5',
    level: 'MUST',
    requirement: 'GET /profile answers the caller\'s {userId, username, nickname, avatarUrl}; ?userId=X answers user X\'s',
    async run(ctx) {
      const [a, b] = await Promise.all([ctx.newUser('pa'), ctx.newUser('pb')])
      const short = ctx.short()
      const checkUser = (body: Json, who: {userId: string; username: string}, what: string) => {
        const u = body.user
        check(isObject(u), `${what}: expected {ret: 0, user: {…}}, got ${JSON.stringify(body)}`)
        checkEqual(u.userId, who.userId, `${what}: user.userId`)
        checkEqual(u.username, who.username, `${what}: user.username`)
        checkEqual(u.nickname, who.username, `${what}: user.nickname (the username when none is set)`)
        check(typeof u.avatarUrl === 'string', `${what}: user.avatarUrl must be a string, got ${JSON.stringify(u.avatarUrl)}`)
        if (u.avatarUrl !== '') {
          let ok = false
          try {
            ok = /^https?:$/.test(new URL(u.avatarUrl).protocol)
          } catch {
            ok = false
          }
          check(ok, `${what}: user.avatarUrl must be an absolute URL or "", got ${JSON.stringify(u.avatarUrl)}`)
        }
      }
      checkUser(checkOk(await short.raw('GET', R.profile.path, {headers: bearer(a.token)}), 'GET /profile (own)'), a, 'GET /profile (own)')
      const what = `GET /profile?userId=${b.userId}`
      checkUser(checkOk(await short.raw('GET', `${R.profile.path}?userId=${encodeURIComponent(b.userId)}`, {headers: bearer(a.token)}), what), b, what)
    },
  },
  {
    id: 'short.unknown-query',
    section: '3.1',
    level: 'MUST',
    requirement: 'unknown query parameters are ignored',
    async run(ctx) {
      const user = await ctx.newUser()
      const short = ctx.short()
      const own = checkOk(await short.raw('GET', `${R.profile.path}?imhIgnoreMe=1&x=y`, {headers: bearer(user.token)}), 'GET /profile?imhIgnoreMe=1&x=y')
      checkEqual((own.user as Json | undefined)?.userId, user.userId, 'GET /profile?imhIgnoreMe=1&x=y: user.userId (the caller\'s own)')
      const login = checkOk(await post(short, `${R.login.path}?imhIgnoreMe=1`, {username: user.username, password: user.password}), 'POST /login?imhIgnoreMe=1')
      checkEqual(login.userId, user.userId, 'POST /login?imhIgnoreMe=1: userId')
    },
  },
  {
    id: 'short.profile-bad-token',
    section: '3.5',
    level: 'MUST',
    requirement: 'a missing, malformed or unknown token answers HTTP 401 {ret: 1100, code: IMH_ERR_SESSION_INVALID}',
    async run(ctx) {
      const short = ctx.short()
      const tries: [string, Record<string, string>][] = [
        ['no Authorization header', {}],
        ['an unknown bearer token', bearer('imh-no-such-token-0000')],
        ['an Authorization header that is not Bearer', {authorization: 'Basic aW1oOmltaA=='}],
        ['"Bearer" without a token', {authorization: 'Bearer'}],
      ]
      for (const [label, headers] of tries) {
        checkFail(await short.raw('GET', R.profile.path, {headers}), 'IMH_ERR_SESSION_INVALID', `GET /profile with ${label}`)
      }
    },
  },
  {
    id: 'short.profile-unknown-user',
    section: '3.5',
    level: 'MUST',
    requirement: 'GET /profile?userId=X for an unknown X answers 404 IMH_ERR_UNKNOWN_USER',
    async run(ctx) {
      const user = await ctx.newUser()
      const ghost = ctx.uniqueName('nouser')
      checkFail(await ctx.short().raw('GET', `${R.profile.path}?userId=${encodeURIComponent(ghost)}`, {headers: bearer(user.token)}), 'IMH_ERR_UNKNOWN_USER', `GET /profile?userId=${ghost}`)
    },
  },
  {
    id: 'short.heartbeat',
    section: '3.6',
    level: 'MUST',
    requirement: 'POST /heartbeat with a token, body optional (an object, its fields ignored), answers {ret: 0, serverTime, nextIntervalMs}; a body [] answers 400; a bad token 1100',
    async run(ctx) {
      const user = await ctx.newUser()
      const short = ctx.short()
      for (const [label, init] of [
        ['with body {}', {body: '{}', headers: {'content-type': JSON_TYPE, ...bearer(user.token)}}],
        ['without a body', {headers: bearer(user.token)}],
        // §3.6: a body's fields are ignored, whatever they are.
        ['with the body {"imhIgnored":[1,2],"status":"busy"}', {body: '{"imhIgnored":[1,2],"status":"busy"}', headers: {'content-type': JSON_TYPE, ...bearer(user.token)}}],
      ] as const) {
        const what = `POST /heartbeat ${label}`
        const body = checkOk(await short.raw('POST', R.heartbeat.path, init), what)
        check(Number.isSafeInteger(body.serverTime) && (body.serverTime as number) > Date.UTC(2020, 0, 1), `${what}: serverTime must be integer milliseconds since the epoch, got ${JSON.stringify(body.serverTime)}`)
        check(Number.isSafeInteger(body.nextIntervalMs) && (body.nextIntervalMs as number) >= 0, `${what}: nextIntervalMs must be an unsigned integer, got ${JSON.stringify(body.nextIntervalMs)}`)
      }
      // A body is still checked as any body (§3.7): it must be an object.
      checkFail(await short.raw('POST', R.heartbeat.path, {body: '[]', headers: {'content-type': JSON_TYPE, ...bearer(user.token)}}), 'IMH_ERR_BAD_REQUEST', 'POST /heartbeat with the body [] (not an object)')
      checkFail(await short.raw('POST', R.heartbeat.path, {headers: bearer('imh-no-such-token-0000')}), 'IMH_ERR_SESSION_INVALID', 'POST /heartbeat with an unknown token')
      checkFail(await short.raw('POST', R.heartbeat.path), 'IMH_ERR_SESSION_INVALID', 'POST /heartbeat without a token')
    },
  },
  {
    id: 'short.bad-json',
    section: '3.7',
    level: 'MUST',
    requirement: 'a body that is not JSON answers 400 {ret, code: IMH_ERR_BAD_JSON, errMsg}',
    async run(ctx) {
      const short = ctx.short()
      checkFail(await post(short, R.register.path, '{"username": "imh", "password":'), 'IMH_ERR_BAD_JSON', 'POST /register with truncated JSON')
      checkFail(await post(short, R.login.path, 'username=imh&password=x'), 'IMH_ERR_BAD_JSON', 'POST /login with a body that is not JSON')
      const user = await ctx.newUser()
      checkFail(await post(short, R.heartbeat.path, '{{', bearer(user.token)), 'IMH_ERR_BAD_JSON', 'POST /heartbeat with the body "{{"')
    },
  },
  {
    id: 'short.bad-utf8',
    section: '3.7',
    level: 'MUST',
    requirement: 'a body that is not valid UTF-8 answers 400 IMH_ERR_BAD_JSON',
    async run(ctx) {
      const short = ctx.short()
      const username = ctx.uniqueName('utf')
      // Valid fields except for the bytes FF FE inside the password string: lax decoding would register it.
      const body = Buffer.concat([Buffer.from(`{"username":"${username}","password":"pw`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
      checkFail(await post(short, R.register.path, body), 'IMH_ERR_BAD_JSON', 'POST /register whose password holds the bytes FF FE (not UTF-8)')
    },
  },
  {
    id: 'short.missing-body',
    section: '3.7',
    level: 'MUST',
    requirement: 'POST /register and /login without a body answer 400 IMH_ERR_BAD_JSON',
    async run(ctx) {
      const short = ctx.short()
      for (const route of [R.register, R.login]) {
        checkFail(await short.raw('POST', route.path), 'IMH_ERR_BAD_JSON', `POST ${route.path} without a body`)
      }
    },
  },
  {
    id: 'short.oversize-body',
    section: '3.7',
    level: 'MUST',
    requirement: 'a body one byte over shortMaxBodyBytes answers 413 IMH_ERR_BODY_TOO_LARGE',
    async run(ctx) {
      const max = ctx.limits.shortMaxBodyBytes
      const username = ctx.uniqueName('big')
      const body = paddedCredentials(username, 'pw-big', max + 1)
      checkFail(await post(ctx.short(), R.register.path, body), 'IMH_ERR_BODY_TOO_LARGE', `POST /register with a ${max + 1}-byte body (limit ${max})`)
      // Nothing of the refused request may have been acted on.
      checkFail(await post(ctx.short(), R.login.path, {username, password: 'pw-big'}), 'IMH_ERR_BAD_CREDENTIALS', 'POST /login as the user of the refused oversize /register')
    },
  },
  {
    id: 'short.max-body',
    section: '2.3',
    level: 'MUST',
    requirement: 'a body of exactly shortMaxBodyBytes is accepted',
    async run(ctx) {
      const max = ctx.limits.shortMaxBodyBytes
      const body = paddedCredentials(ctx.uniqueName('max'), 'pw-max', max)
      const res = await post(ctx.short(), R.register.path, body)
      checkOk(res, `POST /register with a ${max}-byte body (exactly the limit${ctx.limits.announced ? ' announced' : ', spec default'})`)
    },
  },
  {
    id: 'short.content-type-params',
    section: '3.7',
    level: 'MUST',
    requirement: 'Content-Type application/json with parameters (charset=utf-8) is accepted',
    async run(ctx) {
      const short = ctx.short()
      const username = ctx.uniqueName('ct')
      const res = await post(short, R.register.path, {username, password: 'pw-ct'}, {'content-type': 'application/json; charset=utf-8'})
      checkOk(res, 'POST /register with Content-Type "application/json; charset=utf-8"')
    },
  },
  {
    id: 'short.no-content-type',
    section: '3.7',
    level: 'MUST',
    requirement: 'a JSON body sent without a Content-Type is either read as JSON or answered 415 IMH_ERR_UNSUPPORTED_MEDIA_TYPE, nothing else',
    async run(ctx) {
      const username = ctx.uniqueName('noct')
      const what = 'POST /register with a JSON body and no Content-Type'
      const res = await ctx.short().raw('POST', R.register.path, {body: Buffer.from(JSON.stringify({username, password: 'pw-noct'}))})
      if (isObject(res.json) && res.json.ret === 0) {
        checkOk(res, `${what} (read as JSON)`)
        return
      }
      checkFail(res, 'IMH_ERR_UNSUPPORTED_MEDIA_TYPE', `${what} (§3.7 allows reading it as JSON or 415, nothing else)`)
    },
  },
  {
    id: 'short.bearer-case',
    section: '3.1',
    level: 'MUST',
    requirement: 'the Bearer scheme name is case-insensitive: "bearer <token>" and "BEARER <token>" are accepted',
    async run(ctx) {
      const user = await ctx.newUser()
      for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
        const what = `GET /profile with "Authorization: ${scheme} <token>"`
        const own = checkOk(await ctx.short().raw('GET', R.profile.path, {headers: {authorization: `${scheme} ${user.token}`}}), what)
        checkEqual((own.user as Json | undefined)?.userId, user.userId, `${what}: user.userId`)
      }
    },
  },
  {
    id: 'short.profile-empty-user-id',
    section: '3.5',
    level: 'MUST',
    requirement: 'GET /profile?userId= (empty) names no user: 404 IMH_ERR_UNKNOWN_USER, not the caller\'s own profile',
    async run(ctx) {
      const user = await ctx.newUser()
      checkFail(await ctx.short().raw('GET', `${R.profile.path}?userId=`, {headers: bearer(user.token)}), 'IMH_ERR_UNKNOWN_USER', 'GET /profile?userId= (an empty userId)')
    },
  },
  {
    id: 'short.unknown-route',
    section: '3.7',
    level: 'SHOULD',
    requirement: 'an unknown path answers 404 IMH_ERR_NOT_FOUND',
    async run(ctx) {
      const short = ctx.short()
      checkFail(await short.raw('GET', '/imh-no-such-route'), 'IMH_ERR_NOT_FOUND', 'GET /imh-no-such-route')
      checkFail(await post(short, '/imh-no-such-route', {}), 'IMH_ERR_NOT_FOUND', 'POST /imh-no-such-route')
    },
  },
  {
    id: 'short.wrong-method',
    section: '3.7',
    level: 'SHOULD',
    requirement: 'a known path with another method answers 405 IMH_ERR_METHOD_NOT_ALLOWED',
    async run(ctx) {
      const short = ctx.short()
      checkFail(await short.raw('GET', R.register.path), 'IMH_ERR_METHOD_NOT_ALLOWED', 'GET /register')
      checkFail(await short.raw('GET', R.login.path), 'IMH_ERR_METHOD_NOT_ALLOWED', 'GET /login')
      checkFail(await short.raw('DELETE', R.profile.path), 'IMH_ERR_METHOD_NOT_ALLOWED', 'DELETE /profile')
      checkFail(await short.raw('PUT', R.heartbeat.path, {body: '{}', headers: {'content-type': JSON_TYPE}}), 'IMH_ERR_METHOD_NOT_ALLOWED', 'PUT /heartbeat')
    },
  },
  {
    id: 'short.content-type',
    section: '3.7',
    level: 'SHOULD',
    requirement: 'a body with a Content-Type other than application/json answers 415 IMH_ERR_UNSUPPORTED_MEDIA_TYPE',
    async run(ctx) {
      const short = ctx.short()
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const username = ctx.uniqueName('mt')
        checkFail(await post(short, R.register.path, {username, password: 'pw-mt'}, {'content-type': type}), 'IMH_ERR_UNSUPPORTED_MEDIA_TYPE', `POST /register with a JSON body sent as Content-Type "${type}"`)
      }
    },
  },
  {
    id: 'short.isolation',
    section: '3.7',
    level: 'MUST',
    requirement: 'malformed and stalled requests do not affect other clients: a good client still registers, logs in and reads its profile',
    async run(ctx) {
      const limitMs = ctx.ms(5000)
      // A request whose body never finishes, and a line of garbage instead of HTTP.
      const stalled = await rawSocket(ctx, limitMs)
      const register = groupUrl(ctx.shortUrl, R.register.path)
      stalled.write(`POST ${register.pathname}${register.search} HTTP/1.1\r\nHost: imh\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 1000\r\n\r\n{"username":`)
      const garbage = await rawSocket(ctx, limitMs)
      garbage.write(Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(' NOT HTTP AT ALL\r\n\r\n')]))
      const bad = ctx.short()
      const noise = Promise.allSettled([
        post(bad, R.register.path, '{"username":'),
        post(bad, R.register.path, 'x'.repeat(ctx.limits.shortMaxBodyBytes + 1)),
        post(bad, R.login.path, '{}', {'content-type': 'text/plain'}),
        bad.raw('GET', '/imh-no-such-route'),
        bad.raw('GET', R.profile.path, {headers: {authorization: 'Bearer'}}),
      ])
      const good = ctx.short()
      const username = ctx.uniqueName('good')
      const userId = await registerOk(good, username, 'pw-good', 'POST /register of a good client beside malformed requests')
      const login = await loginOk(good, username, 'pw-good', 'POST /login of a good client beside malformed requests')
      checkEqual(login.userId, userId, 'userId of the good client\'s login')
      checkOk(await good.raw('GET', R.profile.path, {headers: bearer(login.token)}), 'GET /profile of a good client beside malformed requests')
      await noise
      stalled.destroy()
      garbage.destroy()
      // And once more after the noise is over.
      checkOk(await good.raw('POST', R.heartbeat.path, {headers: bearer(login.token)}), 'POST /heartbeat of the good client after the malformed requests')
    },
  },
]
