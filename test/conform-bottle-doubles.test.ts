import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ReferenceServer} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'
import {
  anyoneReplies, emptyPool, emptyWithoutNull, handedTwice, noValidation, picksOwn, replyNotDelivered, startBottleDouble,
} from './doubles/bottle-services.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const BOTTLE_IDS = selectCases(ALL_CASES, ['bottle.*']).map((c) => c.id)

/** The cases a double below makes fail. */
const COVERED = [
  'bottle.pick-once', 'bottle.not-own', 'bottle.reply-delivered', 'bottle.reply-not-picker', 'bottle.bad-body',
  'bottle.reply-unknown', 'bottle.pick-empty', 'bottle.throw-pick',
]

async function run(server: ReferenceServer, globs = ['bottle.*']): Promise<ConformanceReport> {
  closers.push(() => server.close())
  return conform(server, globs)
}

function message(report: ConformanceReport, id: string): string {
  return report.cases.find((c) => c.id === id)!.message
}

describe('bottle cases', () => {
  it('are the MUST cases of §14', () => {
    expect(BOTTLE_IDS).toEqual([
      'bottle.throw-pick', 'bottle.pick-once', 'bottle.not-own', 'bottle.reply-delivered', 'bottle.reply-not-picker',
      'bottle.reply-unknown', 'bottle.bad-body', 'bottle.pick-empty',
    ])
    for (const c of selectCases(ALL_CASES, ['bottle.*'])) {
      expect(c.level).toBe('MUST')
      expect(['14.2', '14.3', '14.4']).toContain(c.section)
    }
  })

  it('the reference server passes every bottle case', async () => {
    expect(verdicts(await run(await startEmbeddedTarget()))).toEqual(Object.fromEntries(BOTTLE_IDS.map((id) => [id, 'pass'])))
  })

  it('(a) a pool that hands a bottle out twice fails bottle.pick-once', async () => {
    const report = await run(await startBottleDouble(handedTwice), ['bottle.pick-once'])
    expect(verdicts(report)).toEqual({'bottle.pick-once': 'fail'})
    expect(message(report, 'bottle.pick-once')).toMatch(/were handed out more than once in 50 parallel picks/)
  })

  it('(b) a pool that hands the picker its own bottle fails bottle.not-own', async () => {
    const report = await run(await startBottleDouble(picksOwn), ['bottle.not-own'])
    expect(verdicts(report)).toEqual({'bottle.not-own': 'fail'})
    expect(message(report, 'bottle.not-own')).toMatch(/^BOTTLE_PICK handed the user its own bottle/)
  })

  it('(c) replies that never reach the thrower fail bottle.reply-delivered', async () => {
    const report = await run(await startBottleDouble(replyNotDelivered), ['bottle.reply-delivered'])
    expect(verdicts(report)).toEqual({'bottle.reply-delivered': 'fail'})
    expect(message(report, 'bottle.reply-delivered')).toMatch(/^the thrower did not get the reply through notify and SYNC/)
  })

  it('(d) replies allowed to non-pickers fail bottle.reply-not-picker', async () => {
    // reply-delivered's picker may take reply-not-picker's unpicked bottle first: then the first check is the one that fails.
    const report = await run(await startBottleDouble(anyoneReplies), ['bottle.reply-*'])
    expect(verdicts(report)).toEqual({'bottle.reply-delivered': 'pass', 'bottle.reply-not-picker': 'fail', 'bottle.reply-unknown': 'pass'})
    expect(message(report, 'bottle.reply-not-picker')).toMatch(/^BOTTLE_REPLY (by a user who did not pick the bottle|to a bottle nobody picked yet): expected error IMH_ERR_BOTTLE_UNKNOWN, but the request succeeded/)
  })

  it('(e) no validation fails bottle.bad-body and bottle.reply-unknown', async () => {
    const report = await run(await startBottleDouble(noValidation), ['bottle.bad-body', 'bottle.reply-unknown'])
    expect(verdicts(report)).toEqual({'bottle.bad-body': 'fail', 'bottle.reply-unknown': 'fail'})
    expect(message(report, 'bottle.bad-body')).toMatch(/^BOTTLE_THROW with empty content: expected error IMH_ERR_BAD_BODY, but the request succeeded/)
  })

  it('(f) an empty pool answered with {} fails bottle.pick-empty', async () => {
    const report = await run(await startBottleDouble(emptyWithoutNull), ['bottle.pick-empty'])
    expect(verdicts(report)).toEqual({'bottle.pick-empty': 'fail'})
    expect(message(report, 'bottle.pick-empty')).toMatch(/has no "bottle" field/)
  })

  it('every bottle case fails against at least one double', () => {
    expect(BOTTLE_IDS.filter((id) => !COVERED.includes(id))).toEqual([])
  })

  it('(g) a pool that loses thrown bottles fails bottle.throw-pick', async () => {
    const report = await run(await startBottleDouble(emptyPool), ['bottle.throw-pick'])
    expect(verdicts(report)).toEqual({'bottle.throw-pick': 'fail'})
    expect(message(report, 'bottle.throw-pick')).toMatch(/^BOTTLE_PICK by another user answered no bottle while bottles just thrown had not come/)
  })
})
