import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ALL_CASES} from '../src/conform/index.js'
import {FEATURES} from '../src/protocol/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'

let server: ReferenceServer
beforeAll(async () => {
  server = await startEmbeddedTarget()
})
afterAll(() => server.close())

describe('conformance suite against the reference server', () => {
  it('passes every case', async () => {
    const report = await conform(server)
    const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict))
    expect(bad.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(report.summary.ok).toBe(true)
    expect(Object.keys(verdicts(report)).sort()).toEqual(ALL_CASES.map((c) => c.id).sort())
    // It announces every optional feature and each probe finds it: every feature judged, none unimplemented.
    expect(report.features.map((f) => [f.feature, f.announced, f.implemented, f.message])).toEqual(FEATURES.map((f) => [f, true, true, '']))
  })
})
