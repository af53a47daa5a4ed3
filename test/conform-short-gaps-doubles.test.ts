import {afterAll, beforeAll, describe, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {expectDoubleVerdicts} from './conform-helpers.js'
import {type GroupDouble, type ProxyAnswer, type Tamper, startGroupDouble} from './doubles/group-proxy.js'

/**
 * Short-link decisions PROTOCOL.md takes on gaps a server team found (issue 12, item 5): each case
 * fails a double that gives the one wrong answer, and passes a correct server's other allowed choice.
 * Each double is the reference short link behind a proxy that rewrites chosen exchanges.
 */
interface Spec {
  name: string
  tamper: Tamper
  fail: Record<string, RegExp>
  pass: string[]
}

function envelope(status: number, body: object): ProxyAnswer {
  return {status, headers: {'content-type': 'application/json'}, body: Buffer.from(JSON.stringify(body))}
}

const SPECS: Spec[] = [
  {
    // What a framework's JSON middleware does with a body it will not read: the fields are "missing".
    name: 'a short link that reads a body without Content-Type as empty (§3.7)',
    tamper: (req, forward) => req.method === 'POST' && !req.headers['content-type'] && req.body.length > 0
      ? Promise.resolve(envelope(400, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'field "username" is missing'}))
      : forward(req),
    fail: {'short.no-content-type': /expected ret 415 IMH_ERR_UNSUPPORTED_MEDIA_TYPE, got HTTP 400/},
    pass: ['short.register', 'short.content-type-params', 'short.missing-body'],
  },
  {
    name: 'a correct short link that reads a body without Content-Type as JSON (§3.7 allows it)',
    tamper: (req, forward) => forward(req.method === 'POST' && !req.headers['content-type'] && req.body.length > 0 ? {...req, headers: {...req.headers, 'content-type': 'application/json'}} : req),
    fail: {},
    pass: ['short.no-content-type', 'short.register', 'short.missing-body'],
  },
  {
    name: 'a short link that refuses a heartbeat body with fields (§3.6)',
    tamper: (req, forward) => req.url.pathname === '/heartbeat' && req.body.length > 2
      ? Promise.resolve(envelope(400, {ret: 400, code: 'IMH_ERR_BAD_REQUEST', errMsg: 'heartbeat takes no fields'}))
      : forward(req),
    fail: {'short.heartbeat': /POST \/heartbeat with the body \{"imhIgnored".*expected HTTP 200 with \{ret: 0, …\}, got HTTP 400/},
    pass: ['short.login', 'short.old-token-kicked'],
  },
  {
    name: 'a short link that reads any heartbeat body without checking it is an object (§3.6)',
    tamper: (req, forward) => forward(req.url.pathname === '/heartbeat' && req.body.toString() === '[]' ? {...req, body: Buffer.from('{}')} : req),
    fail: {'short.heartbeat': /POST \/heartbeat with the body \[\] \(not an object\): expected ret 400 IMH_ERR_BAD_REQUEST, got HTTP 200/},
    pass: ['short.login'],
  },
  {
    // `url.searchParams.get('userId') || self`: an empty value is falsy.
    name: 'a short link that answers ?userId= with the caller\'s own profile (§3.5)',
    tamper: (req, forward) => forward(req.url.pathname === '/profile' && req.url.searchParams.get('userId') === '' ? {...req, url: new URL('/profile', req.url)} : req),
    fail: {'short.profile-empty-user-id': /expected ret 404 IMH_ERR_UNKNOWN_USER, got HTTP 200/},
    pass: ['short.profile', 'short.profile-unknown-user'],
  },
  {
    name: 'a short link that takes only "Bearer" spelt with a capital B (§3.1)',
    tamper: (req, forward) => req.headers.authorization && !req.headers.authorization.startsWith('Bearer ')
      ? Promise.resolve(envelope(401, {ret: 1100, code: 'IMH_ERR_SESSION_INVALID', errMsg: 'missing Bearer token'}))
      : forward(req),
    fail: {'short.bearer-case': /"Authorization: bearer <token>".*got HTTP 401/},
    pass: ['short.profile', 'short.profile-bad-token'],
  },
]

describe.each(SPECS)('conformance suite against $name', (spec) => {
  let double: GroupDouble
  let report: ConformanceReport
  beforeAll(async () => {
    double = await startGroupDouble(spec.tamper, {group: 'short'})
    report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, [...Object.keys(spec.fail), ...spec.pass])}).run()
  }, 60_000)
  afterAll(() => double?.close())

  it('fails exactly the cases that check the decision, for that reason', () => {
    expectDoubleVerdicts(report, spec.fail, spec.pass)
  })
})
