import {randomInt} from 'node:crypto'
import {NearbyClient} from '../../client/nearby-client.js'
import type {VirtualClient} from '../../client/virtual-client.js'
import {type LatLon, type NearbyPerson, haversineM} from '../../protocol/index.js'
import type {CaseContext} from '../context.js'
import {check, checkRejects} from '../expect.js'
import {checkNamesField} from './field-name.js'
import {must} from './util.js'

export {must}

/** Helpers of the nearby (§12) and shake (§13) cases. */

/** One user of a case: a started virtual client and its nearby/shake role. */
export interface Person {
  client: VirtualClient
  lbs: NearbyClient
  id: string
}

export async function person(ctx: CaseContext): Promise<Person> {
  // Heartbeats keep the link past the idle timeout while a case waits out a TTL or a window.
  const client = await ctx.client(undefined, {heartbeat: true})
  return {client, lbs: NearbyClient.of(client), id: client.userId!}
}

export async function people(ctx: CaseContext, n: number): Promise<Person[]> {
  return Promise.all(Array.from({length: n}, () => person(ctx)))
}

/**
 * A random spot away from the poles: on a shared target each case works in its own remote area,
 * so other users' positions (tens of km away at least, almost surely) stay out of its radius.
 */
export function randomArea(): LatLon {
  return {lat: randomInt(-600_000, 600_000) / 10_000, lon: randomInt(-1_800_000, 1_800_000) / 10_000}
}

/** Distances may be rounded to a metre, and a server may use another Earth radius within 0.5 %. */
export function closeEnough(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= Math.max(1, expected * 0.005)
}

/**
 * Checks `got` (a NEARBY page or SHAKE_MATCH) against positions the harness reported: the known
 * people in it appear in the order of the harness's own haversine distances from `from`, each
 * with a distanceM close to it. Returns the known userIds in the order listed.
 */
export function checkKnownOrder(got: NearbyPerson[], from: LatLon, known: ReadonlyMap<string, LatLon>, what: string): string[] {
  const listed = got.filter((p) => known.has(p.userId))
  for (const p of listed) {
    const want = haversineM(from, known.get(p.userId)!)
    check(closeEnough(p.distanceM, want), `${what}: ${p.userId} is listed at distanceM ${p.distanceM}, but the haversine distance of the positions reported is ${want.toFixed(1)} m`)
  }
  const ids = listed.map((p) => p.userId)
  const sorted = [...ids].sort((a, b) => haversineM(from, known.get(a)!) - haversineM(from, known.get(b)!))
  check(ids.join() === sorted.join(), `${what}: listed in the order ${ids.join(', ')}, but nearest first is ${sorted.join(', ')}`)
  return ids
}

/** Bodies with a bad coordinate and the field each must be refused for (JSON has no NaN: it travels as null). */
export const BAD_LOCATIONS: ReadonlyArray<[string, Record<string, unknown>, 'lat' | 'lon']> = [
  ['lat 91', {lat: 91, lon: 0}, 'lat'],
  ['lat -90.5', {lat: -90.5, lon: 0}, 'lat'],
  ['lon 181', {lat: 0, lon: 181}, 'lon'],
  ['lat as a string', {lat: '12.5', lon: 0}, 'lat'],
  ['lat NaN (null in JSON)', {lat: null, lon: 0}, 'lat'],
  ['lon missing', {lat: 0}, 'lon'],
]

/** Sends `cmd` with each bad coordinate; every one must be refused naming the bad field. */
export async function checkBadLocations(ctx: CaseContext, p: Person, cmd: number, name: string, extra: Record<string, unknown> = {}): Promise<void> {
  for (const [label, body, field] of BAD_LOCATIONS) {
    const err = await checkRejects(p.client.link!.call(cmd, {...body, ...extra}, ctx.ms(5000)), 'IMH_ERR_BAD_LOCATION', `${name} with ${label}`)
    checkNamesField(err.message, field, `${name} with ${label}`)
  }
}
