import {
  CMD, type Frame, ImhError, type LbsReportReply, NEARBY_DEFAULT_LIMIT, NEARBY_DEFAULT_RADIUS_M, NEARBY_MAX_LIMIT,
  NEARBY_MAX_RADIUS_M, type NearbyPerson, type NearbyReply, byDistance, parseJsonBody, parseLbsReport, parseNearby,
} from '../../src/protocol/index.js'
import {profileOf} from '../core/session.js'
import type {LinkPeer} from '../long/link-peer.js'
import type {LongService} from '../long/long-service.js'
import type {Store} from '../store/store.js'
import type {GeoStore} from './geo-store.js'

export interface NearbyOptions {
  store: Store
  geo: GeoStore
  /** How long a reported position stays live (announced `positionTtlMs`). */
  positionTtlMs: number
  /** Base URL of the media group, for avatar URLs; '' without one. */
  mediaBase: () => string
}

export const NEARBY_REQUEST_CMDS: ReadonlySet<number> = new Set([CMD.LBS_REPORT, CMD.NEARBY])

/** Profiles of `people` (userId + distance) for the wire; users that vanished are left out. */
export async function peopleOf(store: Store, mediaBase: string, people: ReadonlyArray<{userId: string; distanceM: number}>): Promise<NearbyPerson[]> {
  const users = await Promise.all(people.map((p) => store.getUser(p.userId)))
  const out: NearbyPerson[] = []
  people.forEach((p, i) => {
    const user = users[i]
    if (!user) return
    const {nickname, avatarUrl} = profileOf(user, mediaBase)
    out.push({userId: p.userId, nickname, avatarUrl, distanceM: p.distanceM})
  })
  return out
}

/**
 * Nearby people (PROTOCOL.md §12): LBS_REPORT stores the caller's position for
 * `positionTtlMs`, NEARBY lists the other live positions around a point, nearest first, in pages.
 */
export class NearbyService implements LongService {
  readonly cmds = NEARBY_REQUEST_CMDS

  constructor(private readonly options: NearbyOptions) {}

  async handle(from: LinkPeer, frame: Frame, reply: (body: unknown) => void): Promise<void> {
    const body = parseJsonBody(frame.body)
    const userId = from.userId!
    if (frame.cmd === CMD.LBS_REPORT) {
      const at = parseLbsReport(body)
      await this.options.geo.put(userId, at, this.options.positionTtlMs)
      const answer: LbsReportReply = {expiresInMs: this.options.positionTtlMs}
      return reply(answer)
    }
    if (frame.cmd !== CMD.NEARBY) throw new ImhError('IMH_ERR_UNKNOWN_CMD', `cmd ${frame.cmd} is not a nearby request`)
    const req = parseNearby(body)
    const center = req.lat !== undefined && req.lon !== undefined ? {lat: req.lat, lon: req.lon} : await this.options.geo.get(userId)
    if (!center) throw new ImhError('IMH_ERR_NO_POSITION', 'NEARBY: no lat/lon given and no live reported position; send LBS_REPORT first')
    const radiusM = Math.min(req.radiusM ?? NEARBY_DEFAULT_RADIUS_M, NEARBY_MAX_RADIUS_M)
    const limit = Math.min(req.limit ?? NEARBY_DEFAULT_LIMIT, NEARBY_MAX_LIMIT)
    const offset = req.offset ?? 0
    const all = (await this.options.geo.within(center, radiusM)).filter((p) => p.userId !== userId).sort(byDistance)
    const page = all.slice(offset, offset + limit)
    const answer: NearbyReply = {people: await peopleOf(this.options.store, this.options.mediaBase(), page)}
    if (offset + limit < all.length) answer.next = offset + limit
    reply(answer)
  }
}
