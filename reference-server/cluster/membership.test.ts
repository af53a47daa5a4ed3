import {describe, expect, it} from 'vitest'
import {emptyGroups} from '../../src/protocol/index.js'
import {redisTests, useRedis, warnIfNoRedis} from '../../test/support/redis.js'
import {startReferenceServer} from '../index.js'
import {RedisBackend} from '../store/redis-backend.js'
import type {GroupMember} from './group-member.js'
import {Membership} from './membership.js'

warnIfNoRedis('the membership tests')

describe.runIf(redisTests)('nodes sharing a Redis see each other (PROTOCOL.md §2.5)', () => {
  const redis = useRedis()

  it('every node\'s scheduler lists every node; a node that closes leaves the answer', async () => {
    const prefix = 'sched:'
    const a = await startReferenceServer({redis: {url: redis.current.url, prefix}, flows: ['core'], node: 'a'})
    const b = await startReferenceServer({redis: {url: redis.current.url, prefix}, flows: ['core'], node: 'b'})
    try {
      const answer = async () => (await (await fetch(`${a.urls.scheduler}?clientId=x`)).json()) as {groups: {long: string[]}; fallback: {long: string[]}}
      // a read b's report at its next tick.
      await expect.poll(async () => (await answer()).groups.long.sort(), {timeout: 3000}).toEqual([...a.groups.long, ...b.groups.long].sort())
      expect((await answer()).fallback.long.sort()).toEqual([...a.groups.long, ...b.groups.long].sort())
      await b.close()
      await expect.poll(async () => (await answer()).groups.long, {timeout: 3000}).toEqual(a.groups.long)
    } finally {
      await a.close()
    }
  })

  it('drops a node that stops reporting (killed) once its report is older than the ttl', async () => {
    const backend = await new RedisBackend(redis.current.url, 'ttl:').connect()
    const member = (node: string): GroupMember => ({node, groups: {...emptyGroups(), long: [`ws://${node}`]}, load: 0})
    const a = new Membership(backend, () => member('a'), {intervalMs: 50, ttlMs: 200})
    const b = new Membership(backend, () => member('b'), {intervalMs: 50, ttlMs: 200})
    try {
      await a.start()
      await b.start()
      await expect.poll(() => a.view().map((m) => m.node)).toEqual(['a', 'b'])
      expect(await a.isLive('b')).toBe(true)
      // b's process dies: it neither reports again nor leaves.
      clearInterval((b as unknown as {timer: NodeJS.Timeout}).timer)
      await expect.poll(() => a.view().map((m) => m.node), {timeout: 2000}).toEqual(['a'])
      expect(await a.isLive('b')).toBe(false)
      // A node that joined after a's last read is live as soon as it has reported.
      const c = new Membership(backend, () => member('c'), {intervalMs: 5000, ttlMs: 10_000})
      await c.start()
      expect(await a.isLive('c')).toBe(true)
      await c.close()
    } finally {
      await a.close()
      await backend.close()
    }
  })
})
