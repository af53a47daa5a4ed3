import {ANNOUNCED_LIMIT_SPECS, type AnnouncedLimits, type Feature, SCHEDULER_PATH, type SchedulerAnswer} from '../../src/protocol/index.js'
import type {GroupMember} from '../cluster/group-member.js'
import {spreadGroups} from '../cluster/spread.js'
import {clientIp, sendJson} from '../http/json-server.js'
import type {HttpRoute} from '../http/route.js'
import type {CoreLimits} from './limits.js'

export interface SchedulerOptions {
  /** The server's live nodes (this one alone unless it shares a Redis with others) and their addresses. */
  members: () => readonly GroupMember[]
  limits: CoreLimits
  /** The optional features the server runs; none: the answer has no `features` (the core only). */
  features: readonly Feature[]
}

/** The limits the scheduler announces (PROTOCOL.md §2.3), out of all the server has. */
export function announcedLimits(l: AnnouncedLimits): AnnouncedLimits {
  return Object.fromEntries(ANNOUNCED_LIMIT_SPECS.map((spec) => [spec.key, l[spec.key]])) as AnnouncedLimits
}

/** GET /dns: the scheduler's answer (PROTOCOL.md §2). */
export function schedulerRoute(options: SchedulerOptions): HttpRoute {
  return {method: ['GET', 'HEAD'], path: SCHEDULER_PATH, handle: async (req, res, {url}) => {
    const ip = clientIp(req)
    const groups = spreadGroups(options.members(), url.searchParams.get('clientId') ?? ip)
    const answer: SchedulerAnswer = {
      ret: 0,
      ttl: options.limits.schedulerTtlSeconds,
      clientIp: ip,
      groups,
      // Every live member of the groups a client cannot do without, in this client's order.
      fallback: {long: groups.long, short: groups.short},
      limits: announcedLimits(options.limits),
      ...(options.features.length > 0 ? {features: [...options.features]} : {}),
    }
    sendJson(res, 200, answer)
  }}
}
