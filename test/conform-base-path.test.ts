import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {request} from 'undici'
import {ALL_CASES, ConformanceRunner} from '../src/conform/index.js'
import {type GroupDouble, startGroupDouble} from './doubles/group-proxy.js'
import {verdicts} from './conform-helpers.js'

// Each HTTP group under its own base path on one proxy; a path under none is 404 (PROTOCOL.md §2.2).
const MOUNTS = {short: '/api', qr: '/web-login', media: '/cdn/v1'}
const FLOWS = ['core', 'qr', 'media']
const CASES = ALL_CASES.filter((c) => FLOWS.includes(c.flow))

let double: GroupDouble
beforeAll(async () => {
  double = await startGroupDouble((req, forward) => forward(req), {group: MOUNTS})
})
afterAll(() => double.close())

describe('group URLs with a base path (PROTOCOL.md §2.2)', () => {
  it('the double lists prefixed groups and answers 404 outside them', async () => {
    const answer = (await (await request(double.scheduler)).body.json()) as {groups: Record<string, string[]>; fallback: Record<string, string[]>}
    const short = answer.groups.short![0]!
    expect(short).toMatch(/\/api$/)
    expect(answer.fallback.short).toEqual([short])
    expect(answer.groups.qr![0]).toMatch(/\/web-login$/)
    expect(answer.groups.media![0]).toMatch(/\/cdn\/v1$/)
    const origin = new URL(short).origin
    const bare = await request(`${origin}/heartbeat`, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}})
    expect(bare.statusCode).toBe(404)
    await bare.body.dump()
    const mounted = await request(`${short}/heartbeat`, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}})
    expect(mounted.statusCode).toBe(401)
    await mounted.body.dump()
  })

  it('the core, qr and media cases pass against the reference server mounted under base paths', async () => {
    const report = await new ConformanceRunner({scheduler: double.scheduler, cases: CASES}).run()
    const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict))
    expect(bad.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(Object.keys(verdicts(report)).sort()).toEqual(CASES.map((c) => c.id).sort())
  }, 240_000)
})
