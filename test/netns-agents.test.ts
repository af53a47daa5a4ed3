import {describe, expect, it} from 'vitest'
import {startNamespacedAgents, useNamespacedHosts} from './support/netns-agents.js'
import {redisTests, warnIfNoRedis} from './support/redis.js'

warnIfNoRedis('test/netns-agents.test.ts')

describe.runIf(redisTests)('imh agent in each namespace', () => {
  const hosts = useNamespacedHosts(3)

  it('three agents, one per namespace, print their ready lines and stop with exit 0 on SIGTERM', async () => {
    const run = await startNamespacedAgents(3, hosts.redis.url, {set: hosts.set, redisPrefix: 'netns-agents:'})
    try {
      expect(run.agents.map((a) => a.ready.id)).toEqual(['ns-0', 'ns-1', 'ns-2'])
      for (const a of run.agents) expect(a.ready).toMatchObject({event: 'ready', role: 'agent', workers: 1})
    } finally {
      expect(await run.stop()).toEqual([0, 0, 0])
    }
  })
})
