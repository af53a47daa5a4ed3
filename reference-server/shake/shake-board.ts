import {randomUUID} from 'node:crypto'
import type {LatLon} from '../../src/protocol/index.js'
import type {RedisBackend} from '../store/redis-backend.js'
import {defineStore} from '../store/store-slot.js'
import {type RedisScript, redisScript} from '../store/redis-script.js'

/** One shake in a shared window: the user, the link it came on, where. */
export interface BoardShaker {
  userId: string
  /** The link's key: at the close only shakers whose link is still this one are matched. */
  key: string
  shakeId: string
  at: LatLon
}

/**
 * The shake windows the nodes of a group share (PROTOCOL.md §2.5, §13): users shaking on
 * different nodes in one window match each other. Whoever closes a window first (claim) pushes
 * every match; the others get nothing.
 */
export interface ShakeBoard {
  /** Puts the shake in the window open now, opening one when none is; a second shake of the same link keeps its shakeId. */
  shake(s: Omit<BoardShaker, 'shakeId'>, now: number, windowMs: number): Promise<{windowId: string; closesAt: number; shakeId: string}>
  /** The window's shakers to the one caller that closes it; undefined to every later caller. */
  claim(windowId: string, windowMs: number): Promise<BoardShaker[] | undefined>
}

/** Window keys outlive the window by this much: a node whose timer is late still finds them. */
const WINDOW_GRACE_MS = 10_000

// The window open now, or a new one: concurrent first shakes on two nodes must open one window.
const CURRENT = `
local w = redis.call('GET', KEYS[1])
if w then
  local id, closes = string.match(w, '^(%S+) (%d+)$')
  if tonumber(closes) > tonumber(ARGV[1]) then return w end
end
local nw = ARGV[3] .. ' ' .. (tonumber(ARGV[1]) + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], nw, 'PX', ARGV[2])
return nw`
// Joins a window unless it was claimed meanwhile (then the caller opens the next one): a shake
// after the close would be in no window's matches.
const JOIN = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local shakeId = ARGV[3]
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev then
  local key, id = string.match(prev, '^(%S+) (%S+)')
  if key == ARGV[2] then shakeId = id end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. shakeId .. ' ' .. ARGV[4] .. ' ' .. ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return shakeId`
// Exactly one closer: the claim and the read are one step, and JOIN refuses a claimed window.
const CLAIM = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return false end
return redis.call('HGETALL', KEYS[2])`

/** ShakeBoard on the group's Redis: `shake:current` (id and close time), `shake:w:<id>` (the shakers), `shake:w:<id>:claimed`. */
export class RedisShakeBoard implements ShakeBoard {
  /** The store's Lua scripts, each sent once and then run by its SHA (store/redis-script.ts). */
  private readonly lua: Record<'CURRENT' | 'JOIN' | 'CLAIM', RedisScript>

  constructor(private readonly backend: RedisBackend) {
    this.lua = {CURRENT: redisScript(backend.client, CURRENT), JOIN: redisScript(backend.client, JOIN), CLAIM: redisScript(backend.client, CLAIM)}
  }

  async shake(s: Omit<BoardShaker, 'shakeId'>, now: number, windowMs: number): Promise<{windowId: string; closesAt: number; shakeId: string}> {
    for (;;) {
      const current = (await this.lua.CURRENT([this.backend.key('shake', 'current')], [now, windowMs, randomUUID()])) as string
      const [windowId, closes] = current.split(' ') as [string, string]
      const shakeId = (await this.lua.JOIN([this.windowKey(windowId), this.windowKey(windowId, 'claimed')], [s.userId, s.key, randomUUID(), s.at.lat, s.at.lon, windowMs + WINDOW_GRACE_MS])) as string | null
      if (shakeId) return {windowId, closesAt: Number(closes), shakeId}
      // Claimed between the two steps: the window is closed, the next shake opens the next one.
      now = Math.max(now, Number(closes))
    }
  }

  async claim(windowId: string, windowMs: number): Promise<BoardShaker[] | undefined> {
    const flat = (await this.lua.CLAIM([this.windowKey(windowId, 'claimed'), this.windowKey(windowId)], [windowMs + WINDOW_GRACE_MS])) as string[] | null
    if (!flat) return undefined
    const out: BoardShaker[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [key, shakeId, lat, lon] = flat[i + 1]!.split(' ') as [string, string, string, string]
      out.push({userId: flat[i]!, key, shakeId, at: {lat: Number(lat), lon: Number(lon)}})
    }
    return out
  }

  private windowKey(windowId: string, part?: string): string {
    return part ? this.backend.key('shake', 'w', windowId, part) : this.backend.key('shake', 'w', windowId)
  }
}

/**
 * Shake's store slot: in memory there is no board (the service keeps its window in this
 * process, one node); with a Redis, the board every node shares.
 */
export const SHAKE_WINDOWS = defineStore<{board?: ShakeBoard}>('shake-windows', () => ({}), (backend) => ({board: new RedisShakeBoard(backend)}))
