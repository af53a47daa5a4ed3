import {ImhError} from './errors.js'
import {DEFAULT_MAX_BODY_BYTES} from './frame.js'
import {DEFAULT_SYNC_PAGE, MAX_SYNC_PAGE} from './messages.js'
import {DEFAULT_SHORT_MAX_BODY_BYTES} from './short.js'
import {checkShape} from './shape.js'
import {type LimitKeys, defineLimits, limitDefaults} from './limit-spec.js'

/** Service groups that the scheduler hands out (PROTOCOL.md §2). */
export const GROUPS = ['long', 'short', 'relay', 'media', 'qr'] as const
export type Group = (typeof GROUPS)[number]
export type GroupAddresses = Record<Group, string[]>

export const SCHEDULER_PATH = '/dns'
export const SCHEDULER_TIMEOUT_MS = 2000

/**
 * Limits a server announces so that clients and the conformance suite can plan (§2.3), declared
 * once with their spec defaults (what a server that announces nothing is held to) and ranges.
 */
export const ANNOUNCED_LIMIT_SPECS = defineLimits([
  {key: 'handshakeTimeoutMs', default: 10_000, min: 50, max: 600_000, unit: 'ms', section: '5.2', description: 'ms a new long link has to send AUTH', flag: 'handshake-timeout', conformValue: 1000},
  {key: 'idleTimeoutMs', default: 90_000, min: 100, max: 3_600_000, unit: 'ms', section: '5.4', description: 'ms without a frame before a long link is closed', flag: 'idle-timeout', conformValue: 1500},
  {key: 'heartbeatIntervalMs', default: 30_000, min: 50, max: 3_600_000, unit: 'ms', section: '5.3', description: 'ms between heartbeats, announced to clients', flag: 'heartbeat-interval', conformValue: 500},
  {key: 'maxBodyBytes', default: DEFAULT_MAX_BODY_BYTES, min: 1024, max: DEFAULT_MAX_BODY_BYTES, unit: 'bytes', section: '4.1', description: 'largest long-link frame body in bytes', flag: 'max-body'},
  {key: 'shortMaxBodyBytes', default: DEFAULT_SHORT_MAX_BODY_BYTES, min: 1024, max: 16 * 1024 * 1024, unit: 'bytes', section: '3.7', description: 'largest short-link request body in bytes'},
  {key: 'syncPageDefault', default: DEFAULT_SYNC_PAGE, min: 1, max: MAX_SYNC_PAGE, unit: 'count', section: '6.4', description: 'default SYNC page size', flag: 'sync-page', conformValue: 100},
  {key: 'syncPageMax', default: MAX_SYNC_PAGE, min: 1, max: MAX_SYNC_PAGE, unit: 'count', section: '6.4', description: 'largest SYNC page a client may ask for'},
  {key: 'positionTtlMs', default: 600_000, min: 100, max: 86_400_000, unit: 'ms', section: '12', description: 'ms a reported position stays live for nearby and shake', flag: 'position-ttl', conformValue: 2000},
  {key: 'shakeWindowMs', default: 3000, min: 100, max: 60_000, unit: 'ms', section: '13', description: "ms after a window's first shake during which shakes are matched together", flag: 'shake-window', conformValue: 500},
  {key: 'mediaMaxUploadBytes', default: 2 * 1024 * 1024, min: 1024, max: 64 * 1024 * 1024, unit: 'bytes', section: '16', description: 'largest upload the media group accepts, bytes', flag: 'media-max-upload'},
] as const)

/** Limits a server announces so that clients and the conformance suite can plan (§2.3). */
export type AnnouncedLimits = Record<LimitKeys<typeof ANNOUNCED_LIMIT_SPECS>, number>

/** The spec's defaults (PROTOCOL.md §2.3, §5): what a server that announces nothing is held to. */
export const SPEC_DEFAULT_LIMITS: AnnouncedLimits = limitDefaults(ANNOUNCED_LIMIT_SPECS)

export interface SchedulerAnswer {
  ret: 0
  /** Seconds the client may keep this answer. */
  ttl: number
  /** The client's address as the scheduler saw it. */
  clientIp: string
  groups: GroupAddresses
  /** Addresses to keep for when neither the scheduler nor system DNS answers. */
  fallback: Partial<GroupAddresses>
  limits?: Partial<AnnouncedLimits>
}

export function emptyGroups(): GroupAddresses {
  return {long: [], short: [], relay: [], media: [], qr: []}
}

/** URL schemes each group's addresses may use (PROTOCOL.md §2.2). */
export const GROUP_SCHEMES: Record<Group, readonly string[]> = {
  long: ['ws:', 'wss:'],
  short: ['http:', 'https:'],
  relay: ['udp:'],
  media: ['http:', 'https:'],
  qr: ['http:', 'https:'],
}

function checkAddressList(where: string, group: Group, list: unknown): string[] {
  if (!Array.isArray(list) || list.some((a) => typeof a !== 'string')) {
    throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler answer: ${where} must be an array of address strings`)
  }
  for (const a of list as string[]) {
    let url: URL
    try {
      url = new URL(a)
    } catch {
      throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler answer: ${where} has "${a}", which is not an absolute URL`)
    }
    if (!GROUP_SCHEMES[group].includes(url.protocol) || url.hostname === '') {
      throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler answer: ${where} has "${a}"; ${group} addresses are ${GROUP_SCHEMES[group].join(' or ')} URLs with a host`)
    }
  }
  return list as string[]
}

/** Checks a scheduler answer as a client must before trusting it. */
export function parseSchedulerAnswer(v: unknown): SchedulerAnswer {
  const a = checkShape<SchedulerAnswer>(v, {ret: 'int', ttl: 'uint', clientIp: 'string', groups: 'object', fallback: 'object', limits: 'object?'}, 'IMH_ERR_PROTOCOL_VIOLATION', 'scheduler answer')
  if (a.ret !== 0) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler answer: ret is ${a.ret}, expected 0`)
  for (const g of GROUPS) checkAddressList(`groups.${g}`, g, a.groups[g])
  for (const [g, list] of Object.entries(a.fallback)) {
    if (!(GROUPS as readonly string[]).includes(g)) continue
    checkAddressList(`fallback.${g}`, g as Group, list)
  }
  return a
}
