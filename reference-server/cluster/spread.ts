import {createHash} from 'node:crypto'
import {GROUPS, type GroupAddresses} from '../../src/protocol/index.js'
import type {GroupMember} from './group-member.js'

/** Smooths the weights: with loads far under this, members count as equally loaded. */
const LOAD_SMOOTHING = 50

/** A uniform draw in (0, 1) fixed by the client and the address. */
function unitHash(clientKey: string, address: string): number {
  const h = createHash('sha1').update(clientKey).update('\0').update(address).digest()
  return (h.readUIntBE(0, 6) + 1) / (2 ** 48 + 1)
}

/**
 * Each member's weight: the mean load over its own, smoothed, so that an equally loaded group
 * weighs all members 1 and a member with twice the mean load gets about half the new clients.
 */
function weights(members: readonly GroupMember[]): Map<GroupMember, number> {
  const mean = members.reduce((a, m) => a + m.load, 0) / Math.max(1, members.length)
  return new Map(members.map((m) => [m, (mean + LOAD_SMOOTHING) / (Math.max(0, m.load) + LOAD_SMOOTHING)]))
}

/**
 * The scheduler's order of each group's addresses for one client (PROTOCOL.md §2.5): weighted
 * rendezvous hashing (highest random weight, Schindelhauer's weighting −w / ln u). The same client
 * gets the same first choice while the group is unchanged; a member leaving moves only its own
 * clients; a loaded member is chosen less. Addresses listed by two members appear once.
 */
export function spreadGroups(members: readonly GroupMember[], clientKey: string): GroupAddresses {
  const w = weights(members)
  const out = {} as GroupAddresses
  for (const g of GROUPS) {
    const scored = new Map<string, number>()
    for (const m of members) {
      for (const address of m.groups[g] ?? []) {
        if (scored.has(address)) continue
        scored.set(address, -w.get(m)! / Math.log(unitHash(clientKey, address)))
      }
    }
    out[g] = [...scored].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([address]) => address)
  }
  return out
}
