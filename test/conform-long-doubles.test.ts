import {afterAll, beforeAll, describe, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {CMD, type Frame, parseJsonBody} from '../src/protocol/index.js'
import {expectDoubleVerdicts} from './conform-helpers.js'
import {LoginKickStore} from './doubles/login-kick-store.js'
import {type LongDouble, type LongTamper, startLongDouble} from './doubles/long-proxy.js'

/**
 * Decisions PROTOCOL.md takes on gaps a server team found (issue 12, item 5), each checked by a case
 * that fails a double with the one wrong answer and passes a correct server's other allowed choice.
 * Each double is the reference server behind a long-link proxy that rewrites chosen frames.
 */
interface Spec {
  name: string
  tamper: LongTamper
  store?: () => LoginKickStore
  fail: Record<string, RegExp>
  pass: string[]
}

const json = (f: Frame): Record<string, unknown> => parseJsonBody(f.body) as Record<string, unknown>
const withBody = (f: Frame, body: unknown): Frame => ({...f, body: Buffer.from(JSON.stringify(body))})
const errMsgTo = (change: (msg: string) => string): LongTamper => ({
  down: (f) => (f.cmd === CMD.ERROR ? withBody(f, {...json(f), errMsg: change(String(json(f).errMsg))}) : undefined),
})

const SPECS: Spec[] = [
  {
    name: 'a server whose errMsg never names the field (§3.2)',
    tamper: errMsgTo(() => 'request refused'),
    fail: {'frame.bad-body': /errMsg must name the field "content"/, 'sync.bad-body': /errMsg must name the field "clientMsgId"/},
    pass: ['session.auth-ok', 'sync.unknown-receiver', 'frame.unknown-cmd'],
  },
  {
    name: 'a correct server that writes field names in capitals (§3.2 allows any letter case)',
    tamper: errMsgTo((msg) => msg.toUpperCase()),
    fail: {},
    pass: ['frame.bad-body', 'sync.bad-body', 'sync.unknown-receiver'],
  },
  {
    name: 'a server that says resync: true to every epoch-0 key (§6.6)',
    tamper: {
      up(f, link) {
        if (f.cmd === CMD.SYNC) link.state.set(f.seq, (json(f).syncKey as {epoch?: unknown} | undefined)?.epoch)
        return undefined
      },
      down: (f, link) => (f.cmd === CMD.SYNC && link.state.get(f.seq) === 0 ? withBody(f, {...json(f), resync: true}) : undefined),
    },
    fail: {'sync.pull': /resync: true in answer to an epoch-0 key/},
    pass: ['sync.ack', 'sync.epoch-resync', 'sync.future-seq-resync', 'sync.send-ack'],
  },
  {
    name: 'a server that reads {epoch: 0} without seq as {epoch: 0, seq: 0} (§6.4)',
    tamper: {
      up(f) {
        if (f.cmd !== CMD.SYNC || f.body.length === 0) return undefined
        const body = json(f)
        const key = body.syncKey as Record<string, unknown> | undefined
        return key && typeof key === 'object' && !('seq' in key) ? withBody(f, {...body, syncKey: {...key, seq: 0}}) : undefined
      },
    },
    fail: {'sync.bad-body': /SYNC with syncKey without seq: expected error IMH_ERR_BAD_BODY, but the request succeeded/},
    pass: ['sync.pull', 'sync.ack'],
  },
  {
    name: 'a server that closes the old link at login with IMH_ERR_SESSION_INVALID and 4100 (§3.4)',
    store: () => new LoginKickStore(),
    tamper: {
      down: (f) => (f.cmd === CMD.ERROR && json(f).code === 'IMH_ERR_KICKED' ? withBody(f, {ret: 1100, code: 'IMH_ERR_SESSION_INVALID', errMsg: 'logged in elsewhere'}) : undefined),
      close: (code) => (code === 4101 ? 4100 : code),
    },
    fail: {
      'session.login-closes-old-link': /closed at login.*expected "IMH_ERR_KICKED", got "IMH_ERR_SESSION_INVALID"/,
      'session.kick-second-login': /expected "IMH_ERR_KICKED", got "IMH_ERR_SESSION_INVALID"/,
    },
    pass: ['session.auth-ok', 'short.old-token-kicked'],
  },
  {
    name: 'a correct server that closes the old link at login already (§3.4 MAY)',
    store: () => new LoginKickStore(),
    tamper: {},
    fail: {},
    pass: ['session.login-closes-old-link', 'session.kick-second-login', 'session.auth-ok', 'short.old-token-kicked'],
  },
  {
    name: 'a correct server that closes the old link only when the new token AUTHs (§3.4)',
    tamper: {},
    fail: {},
    pass: ['session.login-closes-old-link', 'session.kick-second-login'],
  },
]

describe.each(SPECS)('conformance suite against $name', (spec) => {
  let double: LongDouble
  let report: ConformanceReport
  beforeAll(async () => {
    double = await startLongDouble(spec.tamper, spec.store ? {store: spec.store()} : {})
    report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, [...Object.keys(spec.fail), ...spec.pass])}).run()
  }, 60_000)
  afterAll(() => double?.close())

  it('fails exactly the cases that check the decision, for that reason', () => {
    expectDoubleVerdicts(report, spec.fail, spec.pass)
  })
})
