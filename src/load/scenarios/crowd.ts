import {type LatLon, haversineM, offsetBy} from '../../protocol/index.js'

// The crowd of the nearby and shake scenarios: where its VUs stand and how they walk.

/** Where the nearby and shake crowds stand (Shenzhen): one fixed centre, so VUs of every worker meet. */
export const CROWD_CENTRE: LatLon = {lat: 22.5431, lon: 114.0579}
/** How far a VU walks between two reports, at most (metres). */
const STEP_M = 25

/** A uniformly random point of the disc of `spreadM` metres around the centre. */
export function randomSpot(random: () => number, spreadM: number): LatLon {
  return offsetBy(CROWD_CENTRE, spreadM * Math.sqrt(random()), random() * 360)
}

/** A few metres on from `at`, back into the disc if the walk left it. */
export function walk(random: () => number, at: LatLon, spreadM: number): LatLon {
  const next = offsetBy(at, random() * STEP_M, random() * 360)
  return haversineM(CROWD_CENTRE, next) <= spreadM ? next : randomSpot(random, spreadM)
}
