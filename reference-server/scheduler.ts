import type {Server} from 'node:http'
import {createHash} from 'node:crypto'
import {GROUPS, type GroupAddresses, ImhError, SCHEDULER_PATH, type SchedulerAnswer} from '../src/protocol/index.js'
import {type ServerLimits, announcedLimits} from './config.js'
import {type TlsOptions, clientIp, createJsonServer, sendJson} from './http-util.js'

export interface SchedulerOptions {
  groups: () => GroupAddresses
  fallback: () => Partial<GroupAddresses>
  limits: ServerLimits
  tls?: TlsOptions
}

/**
 * Rotates each group's list by a hash of the client, so that clients spread over the members
 * of a group while one client keeps getting the same first choice (flows.md §2.1).
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

export function createScheduler(options: SchedulerOptions): Server {
  return createJsonServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://scheduler')
    if (url.pathname !== SCHEDULER_PATH) throw new ImhError('IMH_ERR_NOT_FOUND', `no route ${url.pathname}; the scheduler answers GET ${SCHEDULER_PATH}`)
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ImhError('IMH_ERR_METHOD_NOT_ALLOWED', `${req.method} ${SCHEDULER_PATH}: use GET`)
    const ip = clientIp(req)
    const answer: SchedulerAnswer = {
      ret: 0,
      ttl: options.limits.schedulerTtlSeconds,
      clientIp: ip,
      groups: spread(options.groups(), url.searchParams.get('clientId') ?? ip),
      fallback: options.fallback(),
      limits: announcedLimits(options.limits),
    }
    sendJson(res, 200, answer)
  }, options.tls)
}
