import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ALL_CASES} from '../src/conform/index.js'
import {FEATURES} from '../src/protocol/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from './support/redis.js'

/** The whole suite against a reference server that `start` gives: every case passes. */
function passesEveryCase(start: () => Promise<ReferenceServer>): void {
  let server: ReferenceServer | undefined
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server?.close())

  it('passes every case', async () => {
    const report = await conform(server!)
    const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict))
    expect(bad.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(report.summary.ok).toBe(true)
    expect(Object.keys(verdicts(report)).sort()).toEqual(ALL_CASES.map((c) => c.id).sort())
    // It announces every optional feature and each probe finds it: every feature judged, none unimplemented.
    expect(report.features.map((f) => [f.feature, f.announced, f.implemented, f.message])).toEqual(FEATURES.map((f) => [f, true, true, '']))
  })
}

describe('conformance suite against the reference server', () => {
  passesEveryCase(() => startEmbeddedTarget())
})

warnIfNoRedis('the conformance suite against the reference server on Redis')

describe.runIf(redisTests)('conformance suite against the reference server keeping its state in Redis (PROTOCOL.md §2.6)', () => {
  let redis: TestRedis | undefined
  beforeAll(async () => {
    redis = await startRedis()
  })
  // Registered before passesEveryCase's: vitest runs afterAll hooks in reverse, so the server closes first.
  afterAll(() => redis?.stop())
  passesEveryCase(() => startEmbeddedTarget({redis: {url: redis!.url}}))
})
