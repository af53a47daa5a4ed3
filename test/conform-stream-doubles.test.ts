import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {isStreamAddress} from '../src/protocol/index.js'
import {CONFORM_LIMITS, startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {conform, expectDoubleVerdicts} from './conform-helpers.js'
import {startAnnouncingScheduler} from './doubles/announcing-scheduler.js'
import {type StreamBug, startStreamProxy} from './doubles/stream-proxy.js'

const STREAM_CASES = ['stream.split-header', 'stream.split-body', 'stream.many-frames-one-write', 'stream.body-never-arrives', 'stream.slow-trickle', 'stream.garbage-after-fatal']

let server: ReferenceServer
beforeAll(async () => {
  server = await startEmbeddedTarget({flows: ['core']})
})
afterAll(() => server.close())

/** The stream cases against the reference server with its long group's stream address edited by `edit`. */
async function runWith(edit: (long: string[]) => string[]): Promise<ConformanceReport> {
  const scheduler = await startAnnouncingScheduler(server.urls.scheduler, (answer) => {
    answer.groups.long = edit(answer.groups.long)
    answer.fallback.long = answer.groups.long
  })
  try {
    const report = await new ConformanceRunner({scheduler: scheduler.scheduler, cases: selectCases(ALL_CASES, ['stream.*'])}).run()
    expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
    return report
  } finally {
    await scheduler.close()
  }
}

describe('stream-only cases (PROTOCOL.md §4.2)', () => {
  it('pass against the reference server', async () => {
    const report = await conform(server, ['stream.*'])
    expect(report.cases.map((c) => c.id)).toEqual(STREAM_CASES)
    expect(report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
  })

  it('are not applicable to a target whose long group lists no stream address', async () => {
    const report = await runWith((long) => long.filter((a) => !isStreamAddress(a)))
    expect(report.cases.map((c) => [c.id, c.verdict])).toEqual(STREAM_CASES.map((id) => [id, 'not-applicable']))
    expect(report.cases[0]!.message).toMatch(/lists no tcp:\/\/ or tls:\/\/ address/)
  })

  const DOUBLES: Array<{bug: StreamBug; fail: Record<string, RegExp>}> = [
    {bug: 'per-read', fail: {
      'stream.split-header': /no reply to seq 1/, 'stream.split-body': /no reply to seq 2/,
      'stream.body-never-arrives': /expected (an ERROR push )?IMH_ERR_FRAME_TIMEOUT/, 'stream.slow-trickle': /no reply to seq 2/,
    }},
    {bug: 'first-frame-only', fail: {'stream.many-frames-one-write': /no reply to seq 52/, 'stream.garbage-after-fatal': /IMH_ERR_BAD_VERSION/}},
    {bug: 'no-timeout', fail: {'stream.body-never-arrives': /expected (an ERROR push )?IMH_ERR_FRAME_TIMEOUT/}},
    {bug: 'connection-timeout', fail: {'stream.slow-trickle': /no reply to seq 3 .*closed the link/}},
    {bug: 'resync', fail: {'stream.garbage-after-fatal': /after a header with version 2 the server answered NOOP seq 4, NOOP seq 5/}},
    // A correct server that times out later than the announced value, within the second §4.2 allows.
    {bug: 'late-timeout', fail: {}},
  ]
  for (const {bug, fail} of DOUBLES) {
    it(`${Object.keys(fail).length > 0 ? 'fail' : 'pass'} against a stream server that ${bug === 'late-timeout' ? 'times out late, as allowed' : `has the bug ${bug}`}`, async () => {
      const proxy = await startStreamProxy(server.urls.longTcp, bug, CONFORM_LIMITS.frameTimeoutMs!)
      try {
        const report = await runWith((long) => long.map((a) => (isStreamAddress(a) ? proxy.url : a)))
        expectDoubleVerdicts(report, fail, STREAM_CASES.filter((id) => !(id in fail)))
      } finally {
        await proxy.close()
      }
    })
  }
})
