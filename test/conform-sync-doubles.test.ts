import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ConformanceReport} from '../src/conform/index.js'
import type {ReferenceServer, Store} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'
import {DroppingNotifyStore} from './doubles/dropping-notify-store.js'
import {DuplicatingStore} from './doubles/duplicating-store.js'
import {ErrorReplayingStore} from './doubles/error-replaying-store.js'
import {FutureSeqAckStore} from './doubles/future-seq-ack-store.js'
import {FullPageContinueStore} from './doubles/full-page-continue-store.js'
import {ReorderingStore} from './doubles/reordering-store.js'

/**
 * The SYNC cases must catch servers that are broken in one way each, and only by the cases that
 * check that requirement: each double is the reference server over a Store with one planted bug.
 */
interface DoubleSpec {
  name: string
  make: () => Store
  /** Cases that must fail, with a pattern their message must match (the reason). */
  fail: Record<string, RegExp>
  /** Cases that do not depend on the bug and must still pass. */
  pass: string[]
}

const DOUBLES: DoubleSpec[] = [
  {
    name: 'a server that drops every second notify',
    make: () => new DroppingNotifyStore(),
    fail: {'sync.notify': /no SYNC_NOTIFY/},
    pass: ['session.auth-ok', 'sync.send-ack', 'sync.pull', 'sync.paging-continue', 'sync.duplicate-client-msg-id', 'sync.ack', 'sync.epoch-resync', 'sync.offline-delivery'],
  },
  {
    name: 'a server that swaps the first two messages of every page',
    make: () => new ReorderingStore(),
    fail: {'sync.order-1000': /seqs do not increase|expected order-|came twice/, 'sync.paging-continue': /seqs do not increase|expected page-/},
    pass: ['session.auth-ok', 'sync.send-ack', 'sync.notify', 'sync.pull', 'sync.duplicate-client-msg-id', 'sync.unknown-receiver', 'sync.bad-body'],
  },
  {
    name: 'a server that stores a repeated clientMsgId again',
    make: () => new DuplicatingStore(),
    fail: {'sync.duplicate-client-msg-id': /repeated clientMsgId|copies of dup-1/},
    pass: ['session.auth-ok', 'sync.send-ack', 'sync.notify', 'sync.pull', 'sync.order-1000', 'sync.paging-continue', 'sync.ack', 'sync.two-senders-order'],
  },
  {
    // Every other SYNC case ends on a short page, an empty one or none: only the new case sees the bug.
    name: 'a server that says continue whenever a page is full',
    make: () => new FullPageContinueStore(),
    fail: {'sync.continue-full-last-page': /continue on page 1 of 5 messages \(5 of 5 messages/},
    pass: [
      'session.auth-ok', 'sync.send-ack', 'sync.notify', 'sync.notify-format', 'sync.pull', 'sync.duplicate-client-msg-id', 'sync.unknown-receiver',
      'sync.bad-body', 'sync.offline-delivery', 'sync.order-1000', 'sync.paging-continue', 'sync.page-limit', 'sync.ack', 'sync.epoch-resync',
      'sync.future-seq-resync', 'sync.two-senders-order', 'sync.error-not-replayed',
    ],
  },
  {
    // §6.6 decides that a future seq calls for a resync and acknowledges nothing; this double acks first.
    name: 'a server that takes a future-seq key as an acknowledgement of everything up to it',
    make: () => new FutureSeqAckStore(),
    fail: {'sync.future-seq-resync': /messages of the resync reply to key \{epoch: \d+, seq: 50\} \(the key acknowledged nothing/},
    pass: ['session.auth-ok', 'sync.send-ack', 'sync.pull', 'sync.ack', 'sync.epoch-resync', 'sync.error-not-replayed'],
  },
  {
    name: 'a server that replays an ERROR as the first reply to a clientMsgId',
    make: () => new ErrorReplayingStore(),
    fail: {'sync.error-not-replayed': /SEND_MSG again-1 to a real user after the same clientMsgId was refused.*IMH_ERR_UNKNOWN_USER/},
    pass: ['session.auth-ok', 'sync.send-ack', 'sync.duplicate-client-msg-id', 'sync.unknown-receiver', 'sync.future-seq-resync'],
  },
]

describe.each(DOUBLES)('conformance suite against $name', (spec) => {
  let store: Store
  let server: ReferenceServer
  let report: ConformanceReport
  beforeAll(async () => {
    store = spec.make()
    server = await startEmbeddedTarget({store, port: 0})
    report = await conform(server, [...Object.keys(spec.fail), ...spec.pass])
  })
  afterAll(async () => {
    await server.close()
    await store.close()
  })

  it('fails exactly the cases that check the broken requirement, for that reason', () => {
    const got = verdicts(report)
    const expected = Object.fromEntries([...Object.keys(spec.fail).map((id) => [id, 'fail']), ...spec.pass.map((id) => [id, 'pass'])])
    const messages = report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)
    expect(got, messages.join('\n')).toEqual(expected)
    for (const [id, reason] of Object.entries(spec.fail)) {
      expect(report.cases.find((c) => c.id === id)?.message).toMatch(reason)
    }
    expect(report.summary.ok).toBe(false)
  })
})

describe('a correct server that adds fields of its own', () => {
  it('passes every session and SYNC case: unknown fields are ignored', async () => {
    const {ExtraFieldStore} = await import('./doubles/extra-field-store.js')
    const server = await startEmbeddedTarget({store: new ExtraFieldStore()})
    try {
      const report = await conform(server, ['sync.*', 'session.*'], ['session.*-keeps-alive'])
      const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict)).map((c) => `${c.id}: ${c.message}`)
      expect(bad).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe('the full-last-page case against correct servers', () => {
  it.each([
    ['the default page limits', {}],
    ['syncPageMax 2, below the case\'s own limit of 5', {syncPageDefault: 2, syncPageMax: 2}],
  ])('passes the reference server with %s', async (_name, limits) => {
    const server = await startEmbeddedTarget({limits})
    try {
      const report = await conform(server, ['sync.continue-full-last-page', 'sync.paging-continue'])
      expect(report.cases.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual(['sync.paging-continue: pass ', 'sync.continue-full-last-page: pass '])
    } finally {
      await server.close()
    }
  })
})
