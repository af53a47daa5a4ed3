/**
 * Geometry of nearby people and shake (PROTOCOL.md §12, §13): one distance function for the
 * server that sorts, the client that checks, and the conformance suite that judges.
 */

export interface LatLon {
  /** Degrees north, −90 to 90. */
  lat: number
  /** Degrees east, −180 to 180. */
  lon: number
}

/** Mean Earth radius (IUGG), metres: the sphere every distance of §12 is measured on. */
export const EARTH_RADIUS_M = 6_371_008.8

/** Metres per degree of latitude on that sphere. */
export const METRES_PER_DEGREE = (EARTH_RADIUS_M * Math.PI) / 180

const rad = (deg: number): number => (deg * Math.PI) / 180

/** Great-circle distance in metres by the haversine formula. */
export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat)
  const dLon = rad(b.lon - a.lon)
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * The point `distanceM` metres from `from` on the initial bearing `bearingDeg` (0 north, 90 east),
 * longitude normalised to [−180, 180). Clients use it to place people at known distances.
 */
export function offsetBy(from: LatLon, distanceM: number, bearingDeg: number): LatLon {
  const d = distanceM / EARTH_RADIUS_M
  const b = rad(bearingDeg)
  const lat1 = rad(from.lat)
  const lon1 = rad(from.lon)
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b))
  const lon2 = lon1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2))
  const lon = ((((lon2 * 180) / Math.PI + 540) % 360) + 360) % 360 - 180
  return {lat: (lat2 * 180) / Math.PI, lon}
}

/** Orders people nearest first, equal distances by userId (§12.2, §13.2). */
export function byDistance(a: {distanceM: number; userId: string}, b: {distanceM: number; userId: string}): number {
  return a.distanceM - b.distanceM || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)
}
