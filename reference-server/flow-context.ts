import {type Feature, GROUPS, type Group, type GroupAddresses} from '../src/protocol/index.js'
import type {GroupMember} from './cluster/group-member.js'
import type {AnyServerFlow, FlowContext} from './flow.js'
import type {LinkDirectory} from './long/link-peer.js'
import type {StoreInstances, StoreSlot} from './store/store-slot.js'
import type {Store} from './store/store.js'

/** What every flow's context is cut from. */
export interface ServerParts {
  limits: Readonly<Record<string, number>>
  store: Store
  stores: StoreInstances
  /** Filled as the listeners listen; read through the contexts. */
  groups: GroupAddresses
  /** The base URL of every listener, by name, once it listens (groups and flows' own alike). */
  bound: Record<string, string>
  links: LinkDirectory
  /** The live nodes of the server (FlowContext.members). */
  members: () => readonly GroupMember[]
  /** The optional features the server runs (PROTOCOL.md §2.2): its flows but core. */
  features: readonly Feature[]
}

export function isGroup(name: string): name is Group {
  return (GROUPS as readonly string[]).includes(name)
}

/**
 * The context `flow` builds its options from. It reads only the groups and stores the flow
 * declares (its own, and those in `needs`): using another is refused at start, so a flow's
 * declaration says all it depends on.
 */
export function flowContext(flow: AnyServerFlow, parts: ServerParts): FlowContext<string, string> {
  const listeners = (flow.listeners ?? []).map((l) => l.name)
  const own = new Set(listeners.filter((name) => !isGroup(name)))
  const groups = new Set<Group>([...listeners.filter(isGroup), ...(flow.udp?.group ? [flow.udp.group] : []), ...(flow.needs?.groups ?? [])])
  const stores = new Set<StoreSlot<unknown>>([...(flow.stores ?? []), ...(flow.needs?.stores ?? [])])
  const declared = (group: Group): Group => {
    if (!groups.has(group)) throw new Error(`flow ${flow.name} reads group ${group}, which it neither opens nor names in needs.groups`)
    return group
  }
  return {
    limits: parts.limits as FlowContext<string>['limits'],
    store: parts.store,
    storeOf<T>(slot: StoreSlot<T>): T {
      if (!stores.has(slot)) throw new Error(`flow ${flow.name} uses store ${slot.name}, which it neither owns nor names in needs.stores`)
      return parts.stores.get(slot)
    },
    base(listener) {
      if (own.has(listener)) return () => parts.bound[listener] ?? ''
      const list = parts.groups[declared(listener as Group)]
      return () => list[0] ?? ''
    },
    addresses(group) {
      const list = parts.groups[declared(group)]
      return () => list
    },
    members: parts.members,
    links: parts.links,
    features: parts.features,
  }
}
