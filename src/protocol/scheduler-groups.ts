import type {GroupSpec} from './flow-contract.js'
import {PROTOCOL_FLOWS, type ProtocolFlows} from './flows.js'

/** The service groups the scheduler hands out (PROTOCOL.md §2.2): each flow declares the ones of its own. */

export type Group = ProtocolFlows['groups'][number]['name']
export type GroupAddresses = Record<Group, string[]>

const SPECS: readonly GroupSpec<Group>[] = PROTOCOL_FLOWS.flatMap((f): readonly GroupSpec<Group>[] => f.groups)

/** Every group, the flows' order: core's long and short first. */
export const GROUPS: readonly Group[] = SPECS.map((g) => g.name)

/** URL schemes each group's addresses may use (PROTOCOL.md §2.2). */
export const GROUP_SCHEMES = Object.fromEntries(SPECS.map((g) => [g.name, g.schemes])) as Record<Group, readonly string[]>

/** Whether a long-group address is of the byte-stream transport, tcp:// or tls:// (PROTOCOL.md §4.2). */
export function isStreamAddress(url: string): boolean {
  return url.startsWith('tcp://') || url.startsWith('tls://')
}

/**
 * A long group's addresses with the WebSocket ones first, each kind in the order given (§2.2):
 * clients that speak only WebSocket try every node before an address they cannot use.
 */
export function webSocketFirst(list: readonly string[]): string[] {
  return [...list.filter((a) => !isStreamAddress(a)), ...list.filter(isStreamAddress)]
}

/** Every group with no address: the answer of a server that offers nothing but what it fills in. */
export function emptyGroups(): GroupAddresses {
  return Object.fromEntries(GROUPS.map((g) => [g, []])) as Record<string, string[]> as GroupAddresses
}
