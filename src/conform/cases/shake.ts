import type {ShakeResult} from '../../client/nearby-client.js'
import {CMD, type LatLon, type ShakeMatchPush, isImhError, offsetBy} from '../../protocol/index.js'
import {defineCaseModule} from '../case-module.js'
import {firstCommandProbe} from './probes.js'
import {type CaseContext, sleep} from '../context.js'
import {check, checkEqual} from '../expect.js'
import {CaseFailure} from '../failures.js'
import type {CaseDefinition} from '../types.js'
import {type Person, checkBadLocations, checkKnownOrder, must, people, person, randomArea} from './nearby-util.js'

/** How long past a window's announced close the suite waits for SHAKE_MATCH, before --timeout-factor. */
const MATCH_SLACK_MS = 3000

/** SHAKE, then its SHAKE_MATCH; a refusal, a missing or an off-spec push fails the case. */
async function shake(ctx: CaseContext, p: Person, at: LatLon): Promise<ShakeResult> {
  ctx.needWait('shakeWindowMs', ctx.limits.shakeWindowMs)
  try {
    const result = await p.lbs.shake(at, ctx.ms(5000), ctx.ms(MATCH_SLACK_MS))
    if (ctx.limits.announced) checkEqual(result.reply.windowMs, ctx.limits.shakeWindowMs, 'SHAKE reply: windowMs (the announced shakeWindowMs)')
    return result
  } catch (err) {
    if (!isImhError(err)) throw err
    const off = p.lbs.lastPushError ? `; a SHAKE_MATCH push was off-spec: ${p.lbs.lastPushError.message}` : ''
    throw new CaseFailure(`SHAKE by ${p.id}: ${err.code}${err.details?.serverCode ? ` (${String(err.details.serverCode)})` : ''}: ${err.message}${off}`)
  }
}

/** Everyone of `group` shakes at once from `spots`; returns the results in the same order. */
async function shakeTogether(ctx: CaseContext, group: Person[], spots: LatLon[]): Promise<ShakeResult[]> {
  return Promise.all(group.map((p, i) => shake(ctx, p, spots[i]!)))
}

const matchIds = (m: ShakeMatchPush): string[] => m.matches.map((x) => x.userId)

function knownOf(group: Person[], spots: LatLon[]): Map<string, LatLon> {
  return new Map(group.map((p, i) => [p.id, spots[i]!]))
}

const cases: readonly CaseDefinition[] = [
  {
    id: 'shake.pair',
    section: '13.1',
    level: 'MUST',
    requirement: 'two users shaking in one window each get SHAKE_MATCH listing the other, with the haversine distance',
    async run(ctx) {
      const group = await people(ctx, 2)
      const at = randomArea()
      const spots = [at, offsetBy(at, 300, 60)]
      const results = await shakeTogether(ctx, group, spots)
      const known = knownOf(group, spots)
      results.forEach((r, i) => {
        const me = group[i]!
        checkEqual(r.match.shakeId, r.reply.shakeId, `SHAKE_MATCH to ${me.id}: shakeId`)
        const other = group[1 - i]!
        check(matchIds(r.match).includes(other.id), `SHAKE_MATCH to ${me.id} does not list ${other.id}, who shook in the same window: ${JSON.stringify(matchIds(r.match))}`)
        checkKnownOrder(r.match.matches, spots[i]!, known, `SHAKE_MATCH to ${me.id}`)
      })
    },
  },
  {
    id: 'shake.nearest',
    section: '13.2',
    level: 'MUST',
    requirement: 'SHAKE_MATCH lists the other shakers of the window nearest first',
    async run(ctx) {
      const group = await people(ctx, 3)
      const at = randomArea()
      const spots = [at, offsetBy(at, 900, 0), offsetBy(at, 200, 180)]
      const results = await shakeTogether(ctx, group, spots)
      const known = knownOf(group, spots)
      results.forEach((r, i) => {
        const me = group[i]!
        const order = checkKnownOrder(r.match.matches, spots[i]!, known, `SHAKE_MATCH to ${me.id}`)
        check(order.filter((id) => id !== me.id).length === 2, `SHAKE_MATCH to ${me.id} lists ${JSON.stringify(order)} of the 3 who shook together; expected the other 2`)
      })
    },
  },
  {
    id: 'shake.self',
    section: '13.2',
    level: 'MUST',
    requirement: 'SHAKE_MATCH never lists the shaker itself',
    async run(ctx) {
      const group = await people(ctx, 2)
      const at = randomArea()
      const results = await shakeTogether(ctx, group, [at, offsetBy(at, 50, 90)])
      results.forEach((r, i) => {
        const me = group[i]!
        check(!matchIds(r.match).includes(me.id), `SHAKE_MATCH to ${me.id} lists ${me.id} itself: ${JSON.stringify(matchIds(r.match))}`)
      })
    },
  },
  {
    id: 'shake.windows',
    section: '13.1',
    level: 'MUST',
    requirement: 'a shake after a window closed opens a new window: it is not matched with the earlier one, and the earlier shaker gets no second SHAKE_MATCH',
    async run(ctx) {
      const [first, second] = await people(ctx, 2)
      const at = randomArea()
      const one = await shake(ctx, first!, at)
      const two = await shake(ctx, second!, offsetBy(at, 100, 0))
      check(!matchIds(two.match).includes(first!.id), `SHAKE_MATCH of a shake after ${first!.id}'s window had closed lists ${first!.id}: ${JSON.stringify(matchIds(two.match))}`)
      check(!matchIds(one.match).includes(second!.id), `SHAKE_MATCH to ${first!.id} lists ${second!.id}, who shook only after it`)
      const extra = first!.lbs.matches.filter((m) => m.shakeId === one.reply.shakeId)
      check(extra.length === 1, `${first!.id} got ${extra.length} SHAKE_MATCH pushes for one shake; expected 1`)
    },
  },
  {
    id: 'shake.link-closed',
    section: '13.1',
    level: 'MUST',
    requirement: 'a user whose long link closes before the window closes leaves it: nobody is matched with them',
    async run(ctx) {
      const [stay, leave] = await people(ctx, 2)
      const at = randomArea()
      const pending = shake(ctx, stay!, at)
      // If the second SHAKE is refused, that refusal is the verdict: the first one's outcome must
      // not surface later as an unhandled rejection, outside this case.
      pending.catch(() => undefined)
      await must(leave!.client.link!.call(CMD.SHAKE, offsetBy(at, 80, 0), ctx.ms(5000)), `SHAKE by ${leave!.id}`)
      leave!.client.link!.terminate()
      const result = await pending
      check(!matchIds(result.match).includes(leave!.id), `SHAKE_MATCH to ${stay!.id} lists ${leave!.id}, whose long link closed before the window did: ${JSON.stringify(matchIds(result.match))}`)
    },
  },
  {
    id: 'shake.bad-location',
    section: '13.3',
    level: 'MUST',
    requirement: 'SHAKE with a missing, non-numeric or out-of-range coordinate is refused with IMH_ERR_BAD_LOCATION naming the field',
    async run(ctx) {
      const p = await person(ctx)
      await checkBadLocations(ctx, p, CMD.SHAKE, 'SHAKE')
      // None of them joined a window: nothing may come back.
      await sleep(ctx.limits.shakeWindowMs <= ctx.ms(3000) ? ctx.limits.shakeWindowMs + ctx.ms(300) : 0)
      check(p.lbs.matches.length === 0, `a refused SHAKE was matched: ${JSON.stringify(p.lbs.matches)}`)
    },
  },
]

/** Shake (PROTOCOL.md §13). */
export const shakeCaseModule = defineCaseModule({
  flow: 'shake',
  title: 'Shake: pairing within a window, nearest first',
  sections: ['13'],
  probe: firstCommandProbe('shake'),
  cases,
})
