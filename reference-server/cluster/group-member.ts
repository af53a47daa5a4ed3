import type {GroupAddresses} from '../../src/protocol/index.js'

/**
 * One node of the server as the scheduler sees it (PROTOCOL.md §2.5): the addresses it serves by
 * group, and the load it last reported (its authenticated long links). A server alone is one
 * member; nodes sharing a Redis read each other's reports (membership.ts).
 */
export interface GroupMember {
  node: string
  groups: Partial<GroupAddresses>
  load: number
}
