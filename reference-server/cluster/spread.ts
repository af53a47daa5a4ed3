import {createHash} from 'node:crypto'
import {GROUPS, type GroupAddresses, isStreamAddress as isStream} from '../../src/protocol/index.js'
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
    const scored = new Map<string, {score: number; stream: boolean}>()
    for (const m of members) {
      const list = m.groups[g] ?? []
      // A long node's stream address (tcp://, tls://) takes its WebSocket address's score, and
      // every stream address comes after every WebSocket one: clients that speak only WebSocket
      // try each node first, and a stream client's first tcp:// is the node of the first ws://.
      const node = list.find((a) => !isStream(a))
      for (const address of list) {
        if (scored.has(address)) continue
        const stream = isStream(address)
        scored.set(address, {score: -w.get(m)! / Math.log(unitHash(clientKey, stream && node ? node : address)), stream})
      }
    }
    out[g] = [...scored].sort(([a, x], [b, y]) => Number(x.stream) - Number(y.stream) || y.score - x.score || (a < b ? -1 : 1)).map(([address]) => address)
  }
  return out
}
