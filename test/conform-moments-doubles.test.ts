import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import type {ConformanceReport} from '../src/conform/index.js'
import type {ReferenceServer} from '../reference-server/index.js'
import type {MomentsOptions, MomentsService} from '../reference-server/moments/moments-service.js'
import {conform, verdicts} from './conform-helpers.js'
import {
  LenientService, MediaLessService, DeadMediaUrlService, OpenMomentsService, OverlappingPagesService, SilentNoticeService, UncheckedMediaService,
  UnsortedTimelineService, oneSidedFriends,
} from './doubles/moments-services.js'

/**
 * Every moments case must fail against at least one server broken in one way, for that reason,
 * while cases that do not depend on the bug still pass (PROTOCOL.md §15).
 */
interface DoubleSpec {
  name: string
  make: (o: MomentsOptions) => MomentsService
  fail: Record<string, RegExp>
  pass: string[]
}

const DOUBLES: DoubleSpec[] = [
  {
    name: 'a server that shows moments to strangers',
    make: (o) => new OpenMomentsService(o),
    fail: {'moments.stranger': /stranger's timeline shows|IMH_ERR_MOMENT_NOT_FOUND/},
    pass: ['moments.friend-add', 'moments.timeline-order', 'moments.like-notice'],
  },
  {
    name: 'a server whose timeline pages are oldest first',
    make: (o) => new UnsortedTimelineService(o),
    fail: {'moments.timeline-order': /expected newest first/, 'moments.timeline-paging': /expected|twice/},
    pass: ['moments.friend-add', 'moments.stranger'],
  },
  {
    name: 'a server whose cursor repeats the last moment of a page',
    make: (o) => new OverlappingPagesService(o),
    fail: {'moments.timeline-paging': /twice/},
    pass: ['moments.timeline-order', 'moments.stranger'],
  },
  {
    name: 'a server that never notifies the author',
    make: (o) => new SilentNoticeService(o),
    fail: {'moments.like-notice': /no SYNC_NOTIFY/, 'moments.comment-notice': /no SYNC_NOTIFY/},
    pass: ['moments.friend-add', 'moments.stranger'],
  },
  {
    name: 'a server whose friendship is one-sided',
    make: oneSidedFriends,
    fail: {'moments.friend-add': /friendship is mutual/, 'moments.timeline-order': /timeline is/},
    pass: ['moments.bad-body'],
  },
  {
    name: 'a server that does not check media ids',
    make: (o) => new UncheckedMediaService(o),
    fail: {'moments.unknown-media': /IMH_ERR_MEDIA_NOT_FOUND/},
    pass: ['moments.media-post', 'moments.friend-add'],
  },
  {
    name: 'a server that drops the media of moments',
    make: (o) => new MediaLessService(o),
    fail: {'moments.media-post': /media of the moment/},
    pass: ['moments.unknown-media', 'moments.timeline-order'],
  },
  {
    name: 'a server that shows moment images at a URL serving nothing',
    make: (o) => new DeadMediaUrlService(o),
    fail: {'moments.media-post': /not the object's URL/},
    pass: ['moments.unknown-media', 'moments.friend-add'],
  },
  {
    name: 'a server that takes any body',
    make: (o) => new LenientService(o),
    fail: {'moments.bad-body': /IMH_ERR_BAD_REQUEST/},
    pass: ['moments.friend-add', 'moments.stranger'],
  },
]

describe.each(DOUBLES)('moments cases against $name', (spec) => {
  let server: ReferenceServer
  let report: ConformanceReport
  beforeAll(async () => {
    server = await startEmbeddedTarget({port: 0, services: {moments: spec.make}})
    report = await conform(server, [...Object.keys(spec.fail), ...spec.pass])
  })
  afterAll(async () => {
    await server.close()
  })

  it('fails exactly the cases that check the broken requirement, for that reason', () => {
    const expected = Object.fromEntries([...Object.keys(spec.fail).map((id) => [id, 'fail']), ...spec.pass.map((id) => [id, 'pass'])])
    const messages = report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)
    expect(verdicts(report), messages.join('\n')).toEqual(expected)
    for (const [id, reason] of Object.entries(spec.fail)) expect(report.cases.find((c) => c.id === id)?.message).toMatch(reason)
  })
})

describe('the reference server', () => {
  it('passes every moments case', async () => {
    const server = await startEmbeddedTarget({port: 0})
    try {
      const report = await conform(server, ['moments.*'])
      expect(report.cases.length).toBeGreaterThanOrEqual(9)
      expect(report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
    } finally {
      await server.close()
    }
  })
})
