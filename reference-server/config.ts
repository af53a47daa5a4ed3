import {ANNOUNCED_LIMIT_SPECS, type AnnouncedLimits, ImhError, type LimitSpec, SPEC_DEFAULT_LIMITS, limitDefaults} from '../src/protocol/index.js'
import type {AnyServerFlow, FlowLimitKey} from './flow.js'
import {SERVER_FLOWS} from './flows.js'

export {announcedLimits} from './core/scheduler.js'

/** Keys of the limits the flows of the reference server declare beyond what it announces. */
export type ServerLimitKey = FlowLimitKey<(typeof SERVER_FLOWS)[number]>

/**
 * Tunables of the reference server beyond what it announces, gathered from its flows; every one
 * is bounded so a typo cannot exhaust the machine.
 */
export const SERVER_LIMIT_SPECS: readonly LimitSpec<ServerLimitKey>[] = (SERVER_FLOWS as readonly AnyServerFlow[]).flatMap((f) => f.limits as readonly LimitSpec<ServerLimitKey>[])

export type ServerLimits = AnnouncedLimits & Record<ServerLimitKey, number>

/** Every limit of the reference server: what it announces and its own tunables. */
export const ALL_LIMIT_SPECS: readonly LimitSpec<keyof ServerLimits>[] = [...ANNOUNCED_LIMIT_SPECS, ...SERVER_LIMIT_SPECS]

export const DEFAULT_LIMITS: ServerLimits = {...SPEC_DEFAULT_LIMITS, ...limitDefaults(SERVER_LIMIT_SPECS)}

const SPECS = new Map<string, LimitSpec>(ALL_LIMIT_SPECS.map((s) => [s.key, s]))

/** Merges user limits over the defaults, naming the option in any error. */
export function resolveLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  const limits = {...DEFAULT_LIMITS}
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue
    const spec = SPECS.get(key)
    if (!spec) throw new ImhError('IMH_ERR_INVALID_OPTION', `unknown server limit "${key}"; known: ${[...SPECS.keys()].join(', ')}`)
    const {min, max} = spec
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ImhError('IMH_ERR_INVALID_OPTION', `option ${key} must be an integer from ${min} to ${max}, got ${value}`, {option: key})
    }
    limits[key as keyof ServerLimits] = value
  }
  if (limits.syncPageDefault > limits.syncPageMax) {
    throw new ImhError('IMH_ERR_INVALID_OPTION', `option syncPageDefault (${limits.syncPageDefault}) must not exceed syncPageMax (${limits.syncPageMax})`, {option: 'syncPageDefault'})
  }
  return limits
}
