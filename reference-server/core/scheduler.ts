import {createHash} from 'node:crypto'
import {ANNOUNCED_LIMIT_SPECS, type AnnouncedLimits, type Feature, GROUPS, type GroupAddresses, SCHEDULER_PATH, type SchedulerAnswer} from '../../src/protocol/index.js'
import {clientIp, sendJson} from '../http/json-server.js'
import type {HttpRoute} from '../http/route.js'
import type {CoreLimits} from './limits.js'

export interface SchedulerOptions {
  groups: () => GroupAddresses
  fallback: () => Partial<GroupAddresses>
  limits: CoreLimits
  /** The optional features the server runs; none: the answer has no `features` (the core only). */
  features: readonly Feature[]
}

/** The limits the scheduler announces (PROTOCOL.md §2.3), out of all the server has. */
export function announcedLimits(l: AnnouncedLimits): AnnouncedLimits {
  return Object.fromEntries(ANNOUNCED_LIMIT_SPECS.map((spec) => [spec.key, l[spec.key]])) as AnnouncedLimits
}

/**
 * Rotates each group's list by a hash of the client, so that clients spread over the members
 * of a group while one client keeps getting the same first choice (PROTOCOL.md §2.1).
 */
function spread(groups: GroupAddresses, clientKey: string): GroupAddresses {
  const h = createHash('sha1').update(clientKey).digest().readUInt32BE(0)
  const out = {} as GroupAddresses
  for (const g of GROUPS) {
    const list = groups[g]
    const k = list.length > 0 ? h % list.length : 0
    out[g] = [...list.slice(k), ...list.slice(0, k)]
  }
  return out
}

/** GET /dns: the scheduler's answer (PROTOCOL.md §2). */
export function schedulerRoute(options: SchedulerOptions): HttpRoute {
  return {method: ['GET', 'HEAD'], path: SCHEDULER_PATH, handle: async (req, res, {url}) => {
    const ip = clientIp(req)
    const answer: SchedulerAnswer = {
      ret: 0,
      ttl: options.limits.schedulerTtlSeconds,
      clientIp: ip,
      groups: spread(options.groups(), url.searchParams.get('clientId') ?? ip),
      fallback: options.fallback(),
      limits: announcedLimits(options.limits),
      ...(options.features.length > 0 ? {features: [...options.features]} : {}),
    }
    sendJson(res, 200, answer)
  }}
}
