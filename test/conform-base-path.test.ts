import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {request} from 'undici'
import {ALL_CASES, ConformanceRunner} from '../src/conform/index.js'
import {type GroupDouble, startGroupDouble} from './doubles/group-proxy.js'
import {verdicts} from './conform-helpers.js'

// Each HTTP group under its own base path on one proxy, the short group's with a query it routes on;
// a path under none, or without the query, is 404 (PROTOCOL.md §2.2).
const MOUNTS = {short: '/api?tenant=t%201', qr: '/web-login', media: '/cdn/v1'}
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
    expect(short).toMatch(/\/api\?tenant=t\+1$/)
    expect(answer.fallback.short).toEqual([short])
    expect(answer.groups.qr![0]).toMatch(/\/web-login$/)
    expect(answer.groups.media![0]).toMatch(/\/cdn\/v1$/)
    const origin = new URL(short).origin
    const status = async (url: string): Promise<number> => {
      const res = await request(url, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}})
      await res.body.dump()
      return res.statusCode
    }
    expect(await status(`${origin}/heartbeat`)).toBe(404)
    expect(await status(`${origin}/api/heartbeat`)).toBe(404)
    expect(await status(`${origin}/api/heartbeat?tenant=t+1`)).toBe(401)
  })

  it('the core, qr and media cases pass against the reference server mounted under base paths and a query', async () => {
    const report = await new ConformanceRunner({scheduler: double.scheduler, cases: CASES}).run()
    const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict))
    expect(bad.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    expect(Object.keys(verdicts(report)).sort()).toEqual(CASES.map((c) => c.id).sort())
  }, 240_000)
})
