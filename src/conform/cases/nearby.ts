import {CMD, type LatLon, type NearbyReply, type NearbyRequest, haversineM, offsetBy} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {firstCommandProbe} from './probes.js'
import {type CaseContext, sleep} from '../context.js'
import {check, checkEqual, checkRejects} from '../expect.js'
import {NotApplicable} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {type Person, checkBadLocations, checkKnownOrder, must, people, person, randomArea} from './nearby-util.js'

async function report(ctx: CaseContext, p: Person, at: LatLon): Promise<void> {
  const reply = await must(p.lbs.report(at, ctx.ms(5000)), `LBS_REPORT by ${p.id}`)
  check(reply.expiresInMs > 0, `LBS_REPORT reply: expiresInMs must be > 0, got ${reply.expiresInMs}`)
}

function nearby(ctx: CaseContext, p: Person, req: NearbyRequest = {}): Promise<NearbyReply> {
  return must(p.lbs.nearby(req, ctx.ms(5000)), `NEARBY ${JSON.stringify(req)} by ${p.id}`)
}

/** `me` at the centre of a fresh area, the others at `distances` (metres) on spread bearings; all reported. */
async function placed(ctx: CaseContext, distances: number[]): Promise<{me: Person; others: Person[]; at: LatLon; known: Map<string, LatLon>}> {
  const [me, ...others] = await people(ctx, distances.length + 1)
  const at = randomArea()
  await report(ctx, me!, at)
  const known = new Map<string, LatLon>()
  await Promise.all(others.map((o, i) => {
    const spot = offsetBy(at, distances[i]!, (i * 137) % 360)
    known.set(o.id, spot)
    return report(ctx, o, spot)
  }))
  return {me: me!, others, at, known}
}

const ids = (r: NearbyReply): string[] => r.people.map((p) => p.userId)

const cases: readonly CaseDefinition[] = [
  {
    id: 'nearby.sorted',
    section: '12.2',
    level: 'MUST',
    requirement: 'NEARBY lists the people around the caller nearest first, with the haversine distance of their reported positions',
    async run(ctx) {
      const {me, at, known} = await placed(ctx, [400, 100, 250, 700])
      const page = await nearby(ctx, me)
      const order = checkKnownOrder(page.people, at, known, 'NEARBY from the reported position')
      checkEqual(order.length, known.size, 'NEARBY: people listed of the 4 reported within 1000 m')
      const explicit = await nearby(ctx, me, {lat: at.lat, lon: at.lon})
      checkKnownOrder(explicit.people, at, known, 'NEARBY with lat/lon')
    },
  },
  {
    id: 'nearby.radius',
    section: '12.2',
    level: 'MUST',
    requirement: 'NEARBY lists only positions within radiusM',
    async run(ctx) {
      const {me, others} = await placed(ctx, [150, 450, 900])
      const [near, mid, far] = others as [Person, Person, Person]
      const r300 = ids(await nearby(ctx, me, {radiusM: 300}))
      check(r300.includes(near.id), `NEARBY radiusM 300 does not list the person 150 m away: ${JSON.stringify(r300)}`)
      check(!r300.includes(mid.id) && !r300.includes(far.id), `NEARBY radiusM 300 lists people 450 m or 900 m away: ${JSON.stringify(r300)}`)
      const r600 = ids(await nearby(ctx, me, {radiusM: 600}))
      check(r600.includes(mid.id) && !r600.includes(far.id), `NEARBY radiusM 600 must list the person 450 m away and not the one 900 m away: ${JSON.stringify(r600)}`)
    },
  },
  {
    id: 'nearby.self',
    section: '12.2',
    level: 'MUST',
    requirement: 'NEARBY never lists the caller',
    async run(ctx) {
      const {me, others, at} = await placed(ctx, [120])
      for (const req of [{}, {lat: at.lat, lon: at.lon}]) {
        const got = ids(await nearby(ctx, me, req))
        check(!got.includes(me.id), `NEARBY ${JSON.stringify(req)} lists the caller ${me.id} itself: ${JSON.stringify(got)}`)
        check(got.includes(others[0]!.id), `NEARBY ${JSON.stringify(req)} does not list the person 120 m away: ${JSON.stringify(got)}`)
      }
    },
  },
  {
    id: 'nearby.paging',
    section: '12.2',
    level: 'MUST',
    requirement: 'NEARBY pages (offset, limit, next) cover the list once, in order, and the last page has no next',
    async run(ctx) {
      const {me, at, known} = await placed(ctx, [60, 130, 210, 280, 350, 440, 520])
      const seen: string[] = []
      let offset: number | undefined = 0
      for (let pages = 0; offset !== undefined; pages++) {
        check(pages < 10, `NEARBY limit 3 still gives a next after 10 pages for 7 people: ${JSON.stringify(seen)}`)
        const page: NearbyReply = await nearby(ctx, me, {offset, limit: 3})
        check(page.people.length <= 3, `NEARBY limit 3 returned ${page.people.length} people`)
        if (page.next !== undefined) check(page.next === offset + page.people.length, `NEARBY offset ${offset} returned ${page.people.length} people and next ${page.next}; next must be ${offset + page.people.length}, the offset of the following page`)
        seen.push(...ids(page))
        offset = page.next
      }
      const mine = seen.filter((id) => known.has(id))
      check(new Set(seen).size === seen.length, `NEARBY pages overlap: ${JSON.stringify(seen)}`)
      checkEqual(mine.length, known.size, 'NEARBY pages: the 7 people reported within the radius, found over all pages')
      const sorted = [...mine].sort((a, b) => haversineM(at, known.get(a)!) - haversineM(at, known.get(b)!))
      checkEqual(mine, sorted, 'NEARBY pages joined: nearest first')
    },
  },
  {
    id: 'nearby.expiry',
    section: '12.1',
    level: 'MUST',
    requirement: 'a position not renewed within positionTtlMs is no longer listed',
    waits: 'positionTtlMs',
    async run(ctx) {
      const ttl = ctx.needWait('positionTtlMs', ctx.limits.positionTtlMs)
      const {me, others, at} = await placed(ctx, [200])
      check(ids(await nearby(ctx, me)).includes(others[0]!.id), 'NEARBY right after the report does not list the person 200 m away')
      await sleep(ttl + ctx.ms(500))
      const got = ids(await nearby(ctx, me, {lat: at.lat, lon: at.lon}))
      check(!got.includes(others[0]!.id), `NEARBY ${ttl + ctx.ms(500)} ms after the only report (positionTtlMs ${ttl}) still lists ${others[0]!.id}`)
    },
  },
  {
    id: 'nearby.no-position',
    section: '12.3',
    level: 'MUST',
    requirement: 'NEARBY without lat/lon from a user with no live reported position is refused with IMH_ERR_NO_POSITION',
    async run(ctx) {
      const p = await person(ctx)
      await checkRejects(p.lbs.nearby({}, ctx.ms(5000)), 'IMH_ERR_NO_POSITION', 'NEARBY without lat/lon before any LBS_REPORT')
    },
  },
  {
    id: 'nearby.bad-location',
    section: '12.3',
    level: 'MUST',
    requirement: 'LBS_REPORT and NEARBY with a missing, non-numeric or out-of-range coordinate are refused with IMH_ERR_BAD_LOCATION naming the field',
    async run(ctx) {
      const p = await person(ctx)
      await checkBadLocations(ctx, p, CMD.LBS_REPORT, 'LBS_REPORT')
      await checkBadLocations(ctx, p, CMD.NEARBY, 'NEARBY')
      // Non-fatal: the link still serves.
      await report(ctx, p, randomArea())
    },
  },
  {
    id: 'nearby.avatar-url',
    section: '12.2',
    level: 'MUST',
    requirement: 'each person\'s avatarUrl is an absolute http(s) URL when the target has a media group',
    async run(ctx) {
      if ((ctx.answer.groups.media ?? []).length === 0) throw new NotApplicable('the scheduler lists no media group: avatars have nowhere to live (PROTOCOL.md §16)')
      const {me} = await placed(ctx, [80, 160])
      const page = await nearby(ctx, me)
      check(page.people.length >= 2, `NEARBY lists ${page.people.length} people; expected the 2 reported nearby`)
      for (const p of page.people) {
        let url: URL | undefined
        try {
          url = new URL(p.avatarUrl)
        } catch {
          url = undefined
        }
        check(url && (url.protocol === 'http:' || url.protocol === 'https:'), `${p.userId}: avatarUrl ${JSON.stringify(p.avatarUrl)} is not an absolute http(s) URL`)
      }
    },
  },
]

/** Nearby people (PROTOCOL.md §12). */
export const nearbyCaseModule = defineCaseModule({
  flow: 'nearby',
  title: 'Nearby people: position reports, nearest first, expiry',
  sections: ['12'],
  probe: firstCommandProbe('nearby'),
  cases,
})
