import {ImhError} from './errors.js'
import type {LatLon} from './geo.js'
import {type NearbyPerson, checkPeople, parseLocation} from './nearby.js'
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
