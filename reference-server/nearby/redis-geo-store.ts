import {type LatLon, METRES_PER_DEGREE, haversineM} from '../../src/protocol/index.js'
import type {RedisBackend} from '../store/redis-backend.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'
import type {GeoStore, MemoryGeoStoreOptions} from './geo-store.js'

/** Redis GEO takes latitudes up to this (the Web Mercator limit); positions beyond are kept apart. */
const GEO_LAT_MAX = 85.05112878
/** How long the keys outlive the latest position's expiry, in case no read prunes them. */
const EXPIRY_MARGIN_MS = 60_000
/**
 * Redis measures on a sphere of 6 372 797.56 m, the protocol on 6 371 008.8 m, and keeps positions
 * as 52-bit geohashes (about 0.6 m off): the search asks a little more and the exact haversine of
 * the stored coordinates decides, as in memory.
 */
const searchRadius = (radiusM: number): number => radiusM * 1.001 + 5
/** GEOSEARCH misses points when the radius nears half Redis's circumference (20 020 km): beyond this, read every position. */
const SEARCH_ALL_M = 19_000_000

// KEYS: GEO index, polar hash (userId → 1), positions hash (userId → "lat,lon"), expiry zset.
// ARGV: userId, "lat,lon", lon, lat, expiresAt, ttl + margin, polar ("1" or ""). Atomic so that a
// reader never sees a user in both places or without an expiry.
const PUT = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[7] == '1' then redis.call('HSET', KEYS[2], ARGV[1], 1)
else redis.call('GEOADD', KEYS[1], ARGV[3], ARGV[4], ARGV[1]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
for i = 1, 4 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl ~= -2 and ttl < tonumber(ARGV[6]) then redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
end
`

// KEYS as PUT. ARGV: now, lon, lat, search radius (m), "" for none or "all" for every position,
// scan the polar hash ("1" or "").
// Drops positions expired by now (at most 1000 a call, so that a read stays short), then answers
// the candidates with their stored coordinates and expiry. One script: a put between the prune
// and the reads cannot leave a position half gone.
const WITHIN = `
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[1], 'LIMIT', 0, 1000)) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end
local ids = {}
if ARGV[4] == 'all' then ids = redis.call('ZRANGE', KEYS[1], 0, -1)
elseif ARGV[4] ~= '' then ids = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[2], ARGV[3], 'BYRADIUS', ARGV[4], 'm', 'ASC') end
if ARGV[5] == '1' then for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do ids[#ids + 1] = id end end
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = {id, redis.call('HGET', KEYS[3], id), redis.call('ZSCORE', KEYS[4], id)}
end
return out
`

const parse = (s: string): LatLon => {
  const [lat, lon] = s.split(',').map(Number) as [number, number]
  return {lat, lon}
}

/**
 * Positions of nearby people in the group's Redis (PROTOCOL.md §2.5, §12.1): a GEO index for the
 * search, the exact coordinates beside it, and a sorted set of expiry times that every read prunes,
 * so an expired position is never "within" and does not stay. Polar positions (beyond Redis GEO's
 * ±85.05°) are kept in a small set of their own that queries reaching that far scan.
 */
export class RedisGeoStore implements GeoStore {
  private readonly now: () => number
  private readonly putScript: RedisScript
  private readonly withinScript: RedisScript

  constructor(private readonly redis: RedisBackend, options: MemoryGeoStoreOptions = {}) {
    this.now = options.now ?? Date.now
    this.putScript = redisScript(redis.client, PUT)
    this.withinScript = redisScript(redis.client, WITHIN)
  }

  private keys(): string[] {
    return ['idx', 'polar', 'pos', 'exp'].map((k) => this.redis.key('geo', k))
  }

  async put(userId: string, at: LatLon, ttlMs: number): Promise<void> {
    const polar = Math.abs(at.lat) > GEO_LAT_MAX ? '1' : ''
    await this.putScript(this.keys(), [userId, `${at.lat},${at.lon}`, at.lon, at.lat, this.now() + ttlMs, ttlMs + EXPIRY_MARGIN_MS, polar])
  }

  async get(userId: string): Promise<LatLon | undefined> {
    const [, , pos, exp] = this.keys()
    const [at, expiresAt] = await Promise.all([this.redis.client.hget(pos!, userId), this.redis.client.zscore(exp!, userId)])
    return at !== null && Number(expiresAt) > this.now() ? parse(at) : undefined
  }

  async within(center: LatLon, radiusM: number): Promise<Array<{userId: string; distanceM: number}>> {
    const now = this.now()
    // A centre beyond Redis GEO's latitudes searches from the nearest one it takes, that much wider.
    const from = {lat: Math.max(-GEO_LAT_MAX, Math.min(GEO_LAT_MAX, center.lat)), lon: center.lon}
    const wider = radiusM + haversineM(center, from)
    const reach = from.lat === center.lat ? searchRadius(radiusM) : searchRadius(wider)
    const polar = Math.abs(center.lat) + radiusM / METRES_PER_DEGREE > GEO_LAT_MAX ? '1' : ''
    const rows = (await this.withinScript(this.keys(), [now, from.lon, from.lat, reach >= SEARCH_ALL_M ? 'all' : reach, polar])) as Array<[string, string | null, string | null]>
    const out: Array<{userId: string; distanceM: number}> = []
    for (const [userId, at, expiresAt] of rows) {
      if (at === null || !(Number(expiresAt) > now)) continue
      const distanceM = haversineM(center, parse(at))
      if (distanceM <= radiusM) out.push({userId, distanceM})
    }
    return out
  }

  /** Drops expired positions now (reads do it anyway). */
  async sweep(): Promise<void> {
    await this.withinScript(this.keys(), [this.now(), 0, 0, '', ''])
  }

  /** Positions held, live or not yet pruned. */
  async size(): Promise<number> {
    return this.redis.client.zcard(this.redis.key('geo', 'exp'))
  }
}
