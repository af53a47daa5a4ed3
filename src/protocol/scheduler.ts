import {ImhError} from './errors.js'
import type {AnnouncedLimits} from './announced-limits.js'
import {checkShape} from './shape.js'

/** Service groups that the scheduler hands out (PROTOCOL.md §2). */
export const GROUPS = ['long', 'short', 'relay', 'media', 'qr'] as const
export type Group = (typeof GROUPS)[number]
export type GroupAddresses = Record<Group, string[]>

export const SCHEDULER_PATH = '/dns'
export const SCHEDULER_TIMEOUT_MS = 2000

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
