import {ImhError} from './errors.js'
import type {AnnouncedLimits} from './announced-limits.js'
import {GROUPS, GROUP_SCHEMES, type Group, type GroupAddresses} from './scheduler-groups.js'
import {checkShape} from './shape.js'

/** The scheduler (PROTOCOL.md §2): where a client learns which addresses serve each group. */

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
  /**
   * The optional features the server implements (PROTOCOL.md §2.2), by flow id; absent: the core
   * only. Kept as received: ids this version does not know are not a violation (a newer server may
   * know more), and `announcedFeatures` (features.ts) reads the ones it knows.
   */
  features?: string[]
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
  const a = checkShape<SchedulerAnswer>(v, {ret: 'int', ttl: 'uint', clientIp: 'string', groups: 'object', fallback: 'object', limits: 'object?', features: 'array?'}, 'IMH_ERR_PROTOCOL_VIOLATION', 'scheduler answer')
  if (a.ret !== 0) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler answer: ret is ${a.ret}, expected 0`)
  if (a.features !== undefined && a.features.some((f) => typeof f !== 'string')) {
    throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', 'scheduler answer: features must be an array of feature id strings')
  }
  for (const g of GROUPS) checkAddressList(`groups.${g}`, g, a.groups[g])
  for (const [g, list] of Object.entries(a.fallback)) {
    if (!(GROUPS as readonly string[]).includes(g)) continue
    checkAddressList(`fallback.${g}`, g as Group, list)
  }
  return a
}
