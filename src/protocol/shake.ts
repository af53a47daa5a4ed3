import {ImhError} from './errors.js'
import type {LatLon} from './geo.js'
import {type NearbyPerson, checkPeople, parseLocation} from './nearby.js'
import {defineProtocolFlow, push, request} from './flow-contract.js'
import {defineLimits} from './limit-spec.js'
import {checkShape, type Shape} from './shape.js'

/** Shake on the long link (PROTOCOL.md §13). */

/** At most this many people in one SHAKE_MATCH. */
export const SHAKE_MAX_MATCHES = 20
export const MAX_SHAKE_ID_LENGTH = 128

export type ShakeRequest = LatLon
export interface ShakeReply { shakeId: string; windowMs: number; closesInMs: number }
export interface ShakeMatchPush { shakeId: string; matches: NearbyPerson[] }

const SHAPES = {
  reply: {shakeId: 'string', windowMs: 'uint', closesInMs: 'uint'},
  match: {shakeId: 'string', matches: 'array'},
} as const satisfies Record<string, Shape>

const OFF = 'IMH_ERR_PROTOCOL_VIOLATION'

export function parseShake(v: unknown): ShakeRequest {
  return parseLocation(v, 'SHAKE')
}

function checkShakeId(what: string, id: string): void {
  if (id.length === 0 || id.length > MAX_SHAKE_ID_LENGTH) throw new ImhError(OFF, `${what}: field "shakeId" must be 1 to ${MAX_SHAKE_ID_LENGTH} characters`, {field: 'shakeId'})
}

export function parseShakeReply(v: unknown): ShakeReply {
  const r = checkShape<ShakeReply>(v, SHAPES.reply, OFF, 'SHAKE reply')
  checkShakeId('SHAKE reply', r.shakeId)
  if (r.closesInMs > r.windowMs) throw new ImhError(OFF, `SHAKE reply: closesInMs ${r.closesInMs} exceeds windowMs ${r.windowMs}`, {field: 'closesInMs'})
  return r
}

export function parseShakeMatch(v: unknown): ShakeMatchPush {
  const r = checkShape<ShakeMatchPush>(v, SHAPES.match, OFF, 'SHAKE_MATCH')
  checkShakeId('SHAKE_MATCH', r.shakeId)
  checkPeople(r.matches, OFF, 'SHAKE_MATCH')
  if (r.matches.length > SHAKE_MAX_MATCHES) throw new ImhError(OFF, `SHAKE_MATCH: at most ${SHAKE_MAX_MATCHES} matches, got ${r.matches.length}`, {field: 'matches'})
  return r
}

/** Shake (§13): SHAKE is answered at once, SHAKE_MATCH is pushed when the window closes. */
export const shakeFlow = defineProtocolFlow({
  name: 'shake',
  title: 'Shake',
  sections: ['13'],
  groups: [],
  shortRoutes: {},
  commands: [
    request('SHAKE', 210, {body: parseShake, reply: parseShakeReply}),
    push('SHAKE_MATCH', 211, parseShakeMatch),
  ],
  // Its location errors are nearby's (§12).
  errors: [],
  syncCategories: [],
  limits: defineLimits([
    {key: 'shakeWindowMs', default: 3000, min: 100, max: 60_000, unit: 'ms', section: '13', description: "ms after a window's first shake during which shakes are matched together", flag: 'shake-window', conformValue: 500},
  ] as const),
})
