import {lookup as dnsLookup} from 'node:dns/promises'
import type {Dispatcher} from 'undici'
import {undici} from '../common/undici.js'
import {timeoutSignal} from './http-json.js'
import {
  GROUPS, type Group, type GroupAddresses, ImhError, emptyGroups, SCHEDULER_TIMEOUT_MS, type SchedulerAnswer, parseSchedulerAnswer,
} from '../protocol/index.js'

export type ResolveSource = 'scheduler' | 'dns' | 'fallback'

export interface ResolveOptions {
  /** The scheduler's URL, e.g. http://127.0.0.1:8080/dns. */
  scheduler?: string
  schedulerTimeoutMs?: number
  /** Sent as ?clientId= so the scheduler can spread clients (PROTOCOL.md §2.1). */
  clientId?: string
  /** Per group, an address whose host name system DNS resolves when the scheduler fails. */
  dnsNames?: Partial<Record<Group, string>>
  /** Configured last resort; a fallback list learned from an earlier answer takes precedence. */
  fallback?: Partial<GroupAddresses>
  /** Groups that must be found; default long and short. */
  require?: Group[]
  /** Keeps the last answer (for its TTL) and the last fallback list between calls. */
  cache?: ResolverCache
  /**
   * Asks the scheduler even when the cache holds a live answer, and caches what it says: after
   * 1102 (wrong node) a client MUST bypass its cache (PROTOCOL.md §3.2).
   */
  fresh?: boolean
  dispatcher?: Dispatcher
  lookup?: (hostname: string) => Promise<unknown>
  random?: () => number
}

export interface Resolved {
  groups: GroupAddresses
  /** Where each group's addresses came from. */
  sources: Partial<Record<Group, ResolveSource>>
  answer?: SchedulerAnswer
  /** What failed on the way, in order: useful in a trace. */
  errors: string[]
}

/** What one client keeps between look-ups (PROTOCOL.md §2.4): the last answer for its ttl, the last fallback list. */
export class ResolverCache {
  answer: SchedulerAnswer | undefined
  expiresAt = 0
  fallback: Partial<GroupAddresses> | undefined

  /** The cached answer while its ttl runs, else undefined. */
  live(now = Date.now()): SchedulerAnswer | undefined {
    return this.answer && now < this.expiresAt ? this.answer : undefined
  }
}

/**
 * Parsed scheduler answers by their text, and the Resolved made of each. The virtual clients of
 * one worker get the same answer, or one per source address (`clientIp` differs), and a parsed
 * copy with its address strings costs each of them about 2 KB: they share one, frozen, so that no
 * client can change what another holds. A different text is a different entry, so answers that
 * differ per client stay apart. Bounded: past INTERNED_MAX texts the oldest goes.
 */
const INTERNED_MAX = 256
const interned = new Map<string, SchedulerAnswer>()
const resolvedOf = new WeakMap<SchedulerAnswer, Resolved>()
const SCHEDULER_SOURCES: Resolved['sources'] = Object.freeze(Object.fromEntries(GROUPS.map((g) => [g, 'scheduler'])))
const NO_ERRORS: string[] = Object.freeze([]) as unknown as string[]

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** The shared, frozen answer for `text`, parsed by `parse` the first time. */
function internAnswer(text: string, parse: () => SchedulerAnswer): SchedulerAnswer {
  let answer = interned.get(text)
  if (answer) return answer
  answer = deepFreeze(parse())
  if (interned.size >= INTERNED_MAX) interned.delete(interned.keys().next().value!)
  interned.set(text, answer)
  return answer
}

/** What an answer resolves to: one frozen object per answer, shared by every client that got it. */
function resolvedFrom(answer: SchedulerAnswer): Resolved {
  let r = resolvedOf.get(answer)
  if (!r) resolvedOf.set(answer, (r = Object.freeze({groups: answer.groups, sources: SCHEDULER_SOURCES, answer, errors: NO_ERRORS})))
  return r
}

/**
 * Fetches and checks the scheduler's answer (PROTOCOL.md §2.2). The answer is frozen and shared
 * with every caller that got the same text.
 */
export async function fetchSchedulerAnswer(url: string, options: {timeoutMs?: number; clientId?: string; dispatcher?: Dispatcher} = {}): Promise<SchedulerAnswer> {
  const target = new URL(url)
  if (options.clientId) target.searchParams.set('clientId', options.clientId)
  const timer = timeoutSignal(options.timeoutMs ?? SCHEDULER_TIMEOUT_MS)
  const signal = timer.signal
  let res: Dispatcher.ResponseData
  let text: string
  try {
    res = await undici().request(target, {method: 'GET', signal, dispatcher: options.dispatcher})
    text = await res.body.text()
  } catch (err) {
    const timedOut = signal.aborted
    throw new ImhError(timedOut ? 'IMH_ERR_TIMEOUT' : 'IMH_ERR_CONNECT_FAILED', `scheduler ${url}: ${timedOut ? `no answer within ${options.timeoutMs ?? SCHEDULER_TIMEOUT_MS} ms` : (err as Error).message}`)
  } finally {
    timer.clear()
  }
  if (res.statusCode !== 200) throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler ${url}: HTTP ${res.statusCode}`, {status: res.statusCode, body: text.slice(0, 200)})
  return internAnswer(text, () => {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new ImhError('IMH_ERR_PROTOCOL_VIOLATION', `scheduler ${url}: answer is not JSON`, {body: text.slice(0, 200)})
    }
    return parseSchedulerAnswer(json)
  })
}

export function shuffle<T>(list: readonly T[], random: () => number = Math.random): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * Finds every group's addresses in the client order of PROTOCOL.md §2.4: the scheduler (2 s),
 * then system DNS for the configured names, then the fallback list, shuffled. What the scheduler
 * gave is frozen and shared by every caller that got the same answer.
 */
export async function resolveServices(options: ResolveOptions): Promise<Resolved> {
  const cache = options.cache
  const required = options.require ?? ['long', 'short']
  const errors: string[] = []
  const cached = options.fresh ? undefined : cache?.live()
  if (cached) return resolvedFrom(cached)
  if (options.scheduler) {
    try {
      const answer = await fetchSchedulerAnswer(options.scheduler, {timeoutMs: options.schedulerTimeoutMs, clientId: options.clientId, dispatcher: options.dispatcher})
      if (cache) {
        cache.answer = answer
        cache.expiresAt = Date.now() + answer.ttl * 1000
        cache.fallback = answer.fallback
      }
      return resolvedFrom(answer)
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  const groups = emptyGroups()
  const sources: Resolved['sources'] = {}
  const lookup = options.lookup ?? ((h: string) => dnsLookup(h))
  for (const [group, address] of Object.entries(options.dnsNames ?? {}) as [Group, string][]) {
    try {
      await lookup(new URL(address).hostname)
      groups[group] = [address]
      sources[group] = 'dns'
    } catch (err) {
      errors.push(`dns ${group} ${address}: ${(err as Error).message}`)
    }
  }
  const fallback = cache?.fallback ?? options.fallback ?? {}
  for (const group of GROUPS) {
    const list = fallback[group]
    if (groups[group].length === 0 && list && list.length > 0) {
      groups[group] = shuffle(list, options.random)
      sources[group] = 'fallback'
    }
  }
  const missing = required.filter((g) => groups[g].length === 0)
  if (missing.length > 0) {
    throw new ImhError('IMH_ERR_SCHEDULER_UNAVAILABLE', `no address for ${missing.join(', ')}: ${errors.join('; ') || 'no scheduler, DNS name or fallback configured'}`, {errors})
  }
  return {groups, sources, errors}
}
