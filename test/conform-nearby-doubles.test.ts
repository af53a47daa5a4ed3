import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {LongService, ReferenceServer} from '../reference-server/index.js'
import type {NearbyOptions} from '../reference-server/nearby/nearby-service.js'
import type {ShakeOptions} from '../reference-server/shake/shake-service.js'
import {conform, verdicts} from './conform-helpers.js'
import {
  expiryIgnored, linkStays, mixingWindows, neverClosing, overlappingPages, radiusIgnored, relativeAvatars, selfNearby, selfShake,
  startNearbyDouble, unsortedNearby, unsortedShake, unvalidatedNearby, unvalidatedShake,
} from './doubles/nearby-services.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const IDS = selectCases(ALL_CASES, ['nearby.*', 'shake.*']).map((c) => c.id)

async function run(services: {nearby?: (o: NearbyOptions) => LongService; shake?: (o: ShakeOptions) => LongService}, globs: string[]): Promise<ConformanceReport> {
  const server: ReferenceServer = await startNearbyDouble(services)
  closers.push(() => server.close())
  return conform(server, globs)
}

function message(report: ConformanceReport, id: string): string {
  return report.cases.find((c) => c.id === id)!.message
}

describe('nearby and shake cases', () => {
  it('are the MUST cases of §12 and §13', () => {
    expect(IDS).toEqual([
      'nearby.sorted', 'nearby.radius', 'nearby.self', 'nearby.paging', 'nearby.expiry', 'nearby.no-position', 'nearby.bad-location', 'nearby.avatar-url',
      'shake.pair', 'shake.nearest', 'shake.self', 'shake.windows', 'shake.link-closed', 'shake.bad-location',
    ])
    for (const c of selectCases(ALL_CASES, ['nearby.*', 'shake.*'])) {
      expect(c.level).toBe('MUST')
      expect(c.section).toMatch(/^1[23]\.[123]$/)
    }
  })

  it('the reference server passes every nearby and shake case', async () => {
    const report = await run({}, ['nearby.*', 'shake.*'])
    expect(verdicts(report)).toEqual(Object.fromEntries(IDS.map((id) => [id, 'pass'])))
  }, 60_000)

  it('a positionTtlMs or shakeWindowMs longer than --max-wait makes the cases that wait for it not applicable', async () => {
    const server = await startEmbeddedTarget({limits: {positionTtlMs: 120_000, shakeWindowMs: 60_000}})
    closers.push(() => server.close())
    const report = await conform(server, ['nearby.expiry', 'shake.pair', 'shake.bad-location'], [], {maxWaitMs: 30_000})
    expect(verdicts(report)).toEqual({'nearby.expiry': 'not-applicable', 'shake.pair': 'not-applicable', 'shake.bad-location': 'pass'})
    expect(message(report, 'nearby.expiry')).toMatch(/positionTtlMs is 120000 ms, longer than --max-wait 30 s/)
  }, 30_000)

  // Each broken server, the cases it must fail: together they cover every case.
  const broken: Array<[string, Parameters<typeof run>[0], string[], RegExp]> = [
    ['an unsorted NEARBY list', {nearby: unsortedNearby}, ['nearby.sorted'], /nearest first/],
    ['NEARBY listing the caller', {nearby: selfNearby}, ['nearby.self'], /lists the caller .* itself/],
    ['NEARBY ignoring radiusM', {nearby: radiusIgnored}, ['nearby.radius'], /NEARBY radiusM 300 lists people 450 m or 900 m away/],
    ['NEARBY pages that overlap', {nearby: overlappingPages}, ['nearby.paging'], /next must be/],
    ['positions that never expire', {nearby: expiryIgnored}, ['nearby.expiry'], /still lists/],
    ['relative avatar URLs', {nearby: relativeAvatars}, ['nearby.avatar-url'], /is not an absolute http\(s\) URL/],
    ['no validation of nearby requests', {nearby: unvalidatedNearby}, ['nearby.no-position', 'nearby.bad-location'], /expected error IMH_ERR_/],
    ['shake windows that never close', {shake: neverClosing}, ['shake.pair'], /no SHAKE_MATCH/],
    ['SHAKE_MATCH farthest first', {shake: unsortedShake}, ['shake.nearest'], /off-spec|nearest first/],
    ['SHAKE_MATCH listing the shaker', {shake: selfShake}, ['shake.self'], /itself/],
    ['shake windows mixed with earlier ones', {shake: mixingWindows}, ['shake.windows'], /after .* window had closed lists/],
    ['a closed link staying in its window', {shake: linkStays}, ['shake.link-closed'], /whose long link closed/],
    ['no validation of SHAKE', {shake: unvalidatedShake}, ['shake.bad-location'], /expected error IMH_ERR_BAD_LOCATION/],
  ]

  for (const [name, services, failing, pattern] of broken) {
    it(`${name} fails ${failing.join(', ')}`, async () => {
      const report = await run(services, failing)
      expect(verdicts(report)).toEqual(Object.fromEntries(failing.map((id) => [id, 'fail'])))
      expect(message(report, failing[0]!)).toMatch(pattern)
    }, 60_000)
  }

  it('every nearby and shake case fails against at least one broken server', () => {
    expect(new Set(broken.flatMap(([, , failing]) => failing))).toEqual(new Set(IDS))
  })
})
