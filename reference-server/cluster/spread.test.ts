import {describe, expect, it} from 'vitest'
import type {GroupMember} from './group-member.js'
import {spreadGroups} from './spread.js'

const member = (node: string, load = 0, extra: Partial<GroupMember['groups']> = {}): GroupMember => ({
  node, load, groups: {long: [`ws://${node}/long`], short: [`http://${node}`], relay: [`udp://${node}:1`, `udp://${node}:2`], ...extra},
})

function firstChoices(members: GroupMember[], clients = 3000): Map<string, number> {
  const count = new Map<string, number>()
  for (let i = 0; i < clients; i++) {
    const first = spreadGroups(members, `client-${i}`).long[0]!
    count.set(first, (count.get(first) ?? 0) + 1)
  }
  return count
}

describe('the scheduler spreads clients over a group (PROTOCOL.md §2.5)', () => {
  it('lists every member once, and gives one client the same order every time', () => {
    const members = [member('a'), member('b'), member('c')]
    const one = spreadGroups(members, 'alice')
    expect([...one.long].sort()).toEqual(['ws://a/long', 'ws://b/long', 'ws://c/long'])
    expect(one.relay).toHaveLength(6)
    expect(spreadGroups(members, 'alice')).toEqual(one)
    expect(one.media).toEqual([])
  })

  it('gives equally loaded members about equal shares of first choices', () => {
    const count = firstChoices([member('a'), member('b'), member('c')])
    for (const n of count.values()) expect(n).toBeGreaterThan(850)
  })

  it('sends fewer new clients to a member that reports more load', () => {
    const count = firstChoices([member('a', 3000), member('b', 0), member('c', 0)])
    expect(count.get('ws://a/long')!).toBeLessThan(count.get('ws://b/long')! / 3)
  })

  it('moves only the clients of a member that left', () => {
    const all = [member('a'), member('b'), member('c')]
    const without = [member('a'), member('c')]
    for (let i = 0; i < 500; i++) {
      const before = spreadGroups(all, `c${i}`).long[0]
      if (before !== 'ws://b/long') expect(spreadGroups(without, `c${i}`).long[0]).toBe(before)
    }
  })

  it('lists the long group\'s stream addresses after every WebSocket one, in the order of their nodes (§2.2)', () => {
    const both = (node: string): GroupMember => member(node, 0, {long: [`ws://${node}/long`, `tcp://${node}:9`]})
    for (let i = 0; i < 50; i++) {
      const long = spreadGroups([both('a'), both('b'), both('c')], `client-${i}`).long
      expect(long.slice(0, 3).every((a) => a.startsWith('ws://'))).toBe(true)
      expect(long.slice(3).map((a) => a.replace(/^tcp:\/\/(\w+):9$/, 'ws://$1/long'))).toEqual(long.slice(0, 3))
    }
  })
})
