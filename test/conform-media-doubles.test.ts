import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, type ConformanceReport, selectCases} from '../src/conform/index.js'
import {brokenVerdicts, verdicts} from './conform-helpers.js'
import * as bugs from './doubles/media-bugs.js'
import {type MediaTamper, startMediaDouble} from './doubles/media-proxy.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

const MEDIA_IDS = selectCases(ALL_CASES, ['media.*']).map((c) => c.id)

async function conformMedia(tamper?: MediaTamper, options: {media?: boolean; listReal?: boolean} = {}): Promise<ConformanceReport> {
  const double = await startMediaDouble(tamper, options)
  closers.push(() => double.close())
  const report = await new ConformanceRunner({scheduler: double.scheduler, cases: selectCases(ALL_CASES, ['media.*'])}).run()
  expect(report.cases.filter((c) => c.verdict === 'error').map((c) => `${c.id}: ${c.message}`)).toEqual([])
  return report
}

const failing = (report: ConformanceReport): string[] => report.cases.filter((c) => c.verdict === 'fail').map((c) => c.id).sort()
const message = (report: ConformanceReport, id: string): string => report.cases.find((c) => c.id === id)!.message

// Each double plants one bug; the cases it must fail (it may fail others too, but not these less).
const DOUBLES: [name: keyof typeof bugs, mustFail: string[], why: RegExp][] = [
  ['rangeIgnored', ['media.range', 'media.range-suffix', 'media.range-open', 'media.range-clamp', 'media.range-unsatisfiable'], /expected 206 Partial Content, got HTTP 200 \(the Range header was ignored\)/],
  ['wrongContentRange', ['media.range', 'media.range-suffix', 'media.range-open', 'media.range-clamp'], /Content-Range/],
  ['never304', ['media.if-none-match', 'media.if-modified-since'], /expected 304 Not Modified, got HTTP 200/],
  ['always304', ['media.if-none-match-other'], /expected 200 \(the client's copy is another one\), got HTTP 304/],
  ['noContentRange416', ['media.range-unsatisfiable'], /Content-Range of the 416/],
  ['multiRange416', ['media.range-ignored'], /expected the full 200 \(the Range must be ignored\), got HTTP 416/],
  ['ifRangeIgnored', ['media.if-range'], /expected the full 200 .*got HTTP 206/],
  ['noValidators', ['media.validators'], /strong ETag/],
  ['headWithoutEtag', ['media.head'], /HEAD .*: etag/],
  ['uploadTypeUnchecked', ['media.upload-type'], /expected ret 415 IMH_ERR_MEDIA_TYPE, got HTTP 200/],
  ['sizeUnchecked', ['media.upload-too-large'], /expected ret 413 IMH_ERR_MEDIA_TOO_LARGE, got HTTP 200/],
  ['tokenUnchecked', ['media.upload-no-token'], /expected ret 1100 IMH_ERR_SESSION_INVALID, got HTTP 200/],
  ['corruptUploads', ['media.upload-roundtrip'], /are not the \d+ bytes uploaded/],
  ['genericNotFound', ['media.not-found'], /expected ret 404 IMH_ERR_MEDIA_NOT_FOUND/],
]

describe('media cases against broken doubles', () => {
  it('the proxy alone changes nothing: every media case passes through it', async () => {
    expect(verdicts(await conformMedia())).toEqual(Object.fromEntries(MEDIA_IDS.map((id) => [id, 'pass'])))
  })

  it('a target that announces media but lists no media address: every media case fails (PROTOCOL.md §2.2)', async () => {
    // Until features were announced (issue 12) this was not-applicable; the reference answer announces media, so it is a failure.
    const report = await conformMedia(undefined, {media: false})
    expect(verdicts(report)).toEqual(brokenVerdicts(['media.*']))
    expect(message(report, 'media.range')).toMatch(/announces "media" in its features but lists no media address/)
  })

  it('avatar URLs outside the media group the scheduler lists fail media.profile-avatar', async () => {
    const report = await conformMedia(undefined, {listReal: false})
    expect(failing(report)).toEqual(['media.profile-avatar'])
    expect(message(report, 'media.profile-avatar')).toMatch(/is not <media>\/avatar\/.* on a media group address/)
  })

  it.each(DOUBLES)('%s fails its cases', async (name, mustFail, why) => {
    const report = await conformMedia(bugs[name])
    const failed = failing(report)
    for (const id of mustFail) expect(failed, id).toContain(id)
    expect(message(report, mustFail[0]!)).toMatch(why)
  })

  it('every media case fails against at least one double', () => {
    const covered = new Set([...DOUBLES.flatMap(([, ids]) => ids), 'media.profile-avatar'])
    expect(MEDIA_IDS.filter((id) => !covered.has(id))).toEqual([])
  })
})
