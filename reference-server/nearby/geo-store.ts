import {type LatLon, METRES_PER_DEGREE, haversineM} from '../../src/protocol/index.js'

/**
 * Reported positions for nearby people (PROTOCOL.md §12.1): in one process's memory, or in the
 * group's Redis (redis-geo-store.ts) shared between long-link nodes. Both measure with haversineM.
 */
export interface GeoStore {
  /** Replaces `userId`'s position; it is live for `ttlMs` from now. */
  put(userId: string, at: LatLon, ttlMs: number): Promise<void>
  /** `userId`'s live position, if any. */
  get(userId: string): Promise<LatLon | undefined>
  /** Every live position within `radiusM` of `center` (inclusive), with its distance; unsorted. */
  within(center: LatLon, radiusM: number): Promise<Array<{userId: string; distanceM: number}>>
  close?(): void
}

interface Entry extends LatLon {
  userId: string
  expiresAt: number
  cell: string
}

/** Grid cell size in degrees: ~11 km of latitude, so a 1 km query reads a handful of cells. */
const CELL_DEG = 0.1
const ROWS = Math.round(180 / CELL_DEG)
const COLS = Math.round(360 / CELL_DEG)

const rowOf = (lat: number): number => Math.min(ROWS - 1, Math.floor((lat + 90) / CELL_DEG))
const colOf = (lon: number): number => ((Math.floor((lon + 180) / CELL_DEG) % COLS) + COLS) % COLS

export interface MemoryGeoStoreOptions {
  now?: () => number
}

/**
 * One process's positions on a fixed lat/lon grid: a query reads only the cells its bounding box
 * touches and computes the haversine distance only for the positions in them.
 */
export class MemoryGeoStore implements GeoStore {
  private readonly byUser = new Map<string, Entry>()
  private readonly cells = new Map<string, Map<string, Entry>>()
  private readonly now: () => number
  private puts = 0

  constructor(options: MemoryGeoStoreOptions = {}) {
    this.now = options.now ?? Date.now
  }

  get size(): number {
    return this.byUser.size
  }

  async put(userId: string, at: LatLon, ttlMs: number): Promise<void> {
    this.remove(userId)
    const cell = `${rowOf(at.lat)}:${colOf(at.lon)}`
    const entry: Entry = {userId, lat: at.lat, lon: at.lon, expiresAt: this.now() + ttlMs, cell}
    this.byUser.set(userId, entry)
    let bucket = this.cells.get(cell)
    if (!bucket) this.cells.set(cell, (bucket = new Map()))
    bucket.set(userId, entry)
    // Expired positions are skipped by every read; sweeping now and then bounds the memory.
    if (++this.puts % 1024 === 0) this.sweep()
  }

  async get(userId: string): Promise<LatLon | undefined> {
    const e = this.byUser.get(userId)
    return e && e.expiresAt > this.now() ? {lat: e.lat, lon: e.lon} : undefined
  }

  async within(center: LatLon, radiusM: number): Promise<Array<{userId: string; distanceM: number}>> {
    const now = this.now()
    const out: Array<{userId: string; distanceM: number}> = []
    for (const bucket of this.candidateCells(center, radiusM)) {
      for (const e of bucket.values()) {
        if (e.expiresAt <= now) continue
        const distanceM = haversineM(center, e)
        if (distanceM <= radiusM) out.push({userId: e.userId, distanceM})
      }
    }
    return out
  }

  /** Drops expired positions. */
  sweep(): void {
    const now = this.now()
    for (const e of [...this.byUser.values()]) if (e.expiresAt <= now) this.remove(e.userId)
  }

  private remove(userId: string): void {
    const old = this.byUser.get(userId)
    if (!old) return
    this.byUser.delete(userId)
    const bucket = this.cells.get(old.cell)
    bucket?.delete(userId)
    if (bucket?.size === 0) this.cells.delete(old.cell)
  }

  /** The occupied cells a circle's bounding box touches (all of them when that is cheaper). */
  private candidateCells(center: LatLon, radiusM: number): Iterable<Map<string, Entry>> {
    const dLat = radiusM / METRES_PER_DEGREE
    const south = center.lat - dLat
    const north = center.lat + dLat
    const cosLat = Math.min(Math.cos((Math.max(Math.abs(south), Math.abs(north)) * Math.PI) / 180), 1)
    // Near a pole (or for a circle wider than the cell grid) every longitude is in range.
    const dLon = north >= 90 || south <= -90 || cosLat <= 0 ? 180 : dLat / cosLat
    const rows = [rowOf(Math.max(-90, south)), rowOf(Math.min(90, north))] as const
    const cols = dLon >= 180 ? COLS : Math.floor((center.lon + dLon + 180) / CELL_DEG) - Math.floor((center.lon - dLon + 180) / CELL_DEG) + 1
    if ((rows[1] - rows[0] + 1) * Math.min(cols, COLS) >= this.cells.size) return this.cells.values()
    const out: Array<Map<string, Entry>> = []
    const firstCol = Math.floor((center.lon - dLon + 180) / CELL_DEG)
    for (let r = rows[0]; r <= rows[1]; r++) {
      for (let c = 0; c < Math.min(cols, COLS); c++) {
        const bucket = this.cells.get(`${r}:${(((firstCol + c) % COLS) + COLS) % COLS}`)
        if (bucket) out.push(bucket)
      }
    }
    return out
  }
}
