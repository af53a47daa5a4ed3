import {type ErrorCode, ImhError} from './errors.js'
import type {LatLon} from './geo.js'
import {defineProtocolFlow, request} from './flow-contract.js'
import {defineLimits} from './limit-spec.js'
import {checkShape, type Shape} from './shape.js'

/** Nearby people on the long link (PROTOCOL.md §12) and the pieces shake (§13) shares. */

export const NEARBY_DEFAULT_RADIUS_M = 1000
/** A larger radiusM is served as this one. */
export const NEARBY_MAX_RADIUS_M = 50_000
export const NEARBY_DEFAULT_LIMIT = 20
/** A larger limit is served as this one. */
export const NEARBY_MAX_LIMIT = 100

export type LbsReportRequest = LatLon
export interface LbsReportReply { expiresInMs: number }
export interface NearbyRequest { lat?: number; lon?: number; radiusM?: number; offset?: number; limit?: number }
/** One person of a NEARBY page or a SHAKE_MATCH. */
export interface NearbyPerson { userId: string; nickname: string; avatarUrl: string; distanceM: number }
export interface NearbyReply { people: NearbyPerson[]; next?: number }

const SHAPES = {
  nearby: {radiusM: 'number?', offset: 'uint?', limit: 'uint?'},
  nearbyReply: {people: 'array', next: 'uint?'},
  lbsReply: {expiresInMs: 'uint'},
  person: {userId: 'string', nickname: 'string', avatarUrl: 'string', distanceM: 'number'},
} as const satisfies Record<string, Shape>

const BAD = 'IMH_ERR_BAD_BODY'
const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

function checkObject(v: unknown, what: string): Record<string, unknown> {
  return checkShape<Record<string, unknown>>(v, {}, BAD, what)
}

function coordinate(body: Record<string, unknown>, field: 'lat' | 'lon', what: string): number {
  const v = body[field]
  const max = field === 'lat' ? 90 : 180
  if (typeof v !== 'number' || !Number.isFinite(v) || v < -max || v > max) {
    const got = v === undefined ? 'it is missing' : `got ${JSON.stringify(v) ?? String(v)}`
    throw new ImhError('IMH_ERR_BAD_LOCATION', `${what}: field "${field}" must be a finite number from -${max} to ${max}; ${got}`, {field})
  }
  return v
}

/** `{lat, lon}` of a request body, both required; IMH_ERR_BAD_LOCATION names the first bad field. */
export function parseLocation(v: unknown, what: string): LatLon {
  const body = checkObject(v, what)
  return {lat: coordinate(body, 'lat', what), lon: coordinate(body, 'lon', what)}
}

export function parseLbsReport(v: unknown): LbsReportRequest {
  return parseLocation(v, 'LBS_REPORT')
}

/** NEARBY: lat and lon both or neither; radiusM > 0; limit ≥ 1 (the caps are the server's). */
export function parseNearby(v: unknown): NearbyRequest {
  const body = checkObject(v, 'NEARBY')
  const r = checkShape<NearbyRequest>(body, SHAPES.nearby, BAD, 'NEARBY')
  if (r.radiusM !== undefined && r.radiusM <= 0) throw new ImhError(BAD, 'NEARBY: field "radiusM" must be a number > 0', {field: 'radiusM'})
  if (r.limit === 0) throw new ImhError(BAD, 'NEARBY: field "limit" must be at least 1', {field: 'limit'})
  const out: NearbyRequest = {}
  if (body.lat !== undefined || body.lon !== undefined) Object.assign(out, parseLocation(body, 'NEARBY'))
  if (r.radiusM !== undefined) out.radiusM = r.radiusM
  if (r.offset !== undefined) out.offset = r.offset
  if (r.limit !== undefined) out.limit = r.limit
  return out
}

export function parseLbsReportReply(v: unknown): LbsReportReply {
  return checkShape<LbsReportReply>(v, SHAPES.lbsReply, OFF, 'LBS_REPORT reply')
}

/** People of a NEARBY page or a SHAKE_MATCH: shaped, distances ≥ 0, nearest first. */
export function checkPeople(people: unknown[], code: ErrorCode, what: string): NearbyPerson[] {
  let last = -Infinity
  for (const p of people) {
    const person = checkShape<NearbyPerson>(p, SHAPES.person, code, `${what} person`)
    if (person.distanceM < 0) throw new ImhError(code, `${what}: distanceM must be ≥ 0, got ${person.distanceM}`, {field: 'distanceM'})
    if (person.distanceM < last) throw new ImhError(code, `${what}: people must be nearest first; ${person.userId} at ${person.distanceM} m follows one at ${last} m`, {field: 'people'})
    last = person.distanceM
  }
  return people as NearbyPerson[]
}

export function parseNearbyReply(v: unknown): NearbyReply {
  const r = checkShape<NearbyReply>(v, SHAPES.nearbyReply, OFF, 'NEARBY reply')
  checkPeople(r.people, OFF, 'NEARBY reply')
  return r
}

export const nearbyFlow = defineProtocolFlow({
  name: 'nearby',
  title: 'Nearby people',
  sections: ['12'],
  groups: [],
  shortRoutes: {},
  commands: [
    request('LBS_REPORT', 200, {body: parseLbsReport, reply: parseLbsReportReply}),
    request('NEARBY', 201, {body: parseNearby, reply: parseNearbyReply}),
  ],
  errors: ['IMH_ERR_BAD_LOCATION', 'IMH_ERR_NO_POSITION'],
  syncCategories: [],
  limits: defineLimits([
    // 90 s, as the idle time-out: `imh conform` (default --max-wait 120 s) waits it out against a
    // default `imh serve`; clients re-report while they look around (the nearby scenario every 2 s).
    {key: 'positionTtlMs', default: 90_000, min: 100, max: 86_400_000, unit: 'ms', section: '12', description: 'ms a reported position stays live for nearby and shake', flag: 'position-ttl', conformValue: 2000},
  ] as const),
})
