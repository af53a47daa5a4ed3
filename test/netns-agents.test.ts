import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startNamespacedAgents} from './support/netns-agents.js'
import {type NamespaceSet, createNamespaces} from './support/netns.js'
import {type TestRedis, redisTests, startRedis, warnIfNoRedis} from './support/redis.js'

warnIfNoRedis('test/netns-agents.test.ts')
// `imh agent` (issue 15 item 1) is built into dist/commands/agent.js.
const haveAgent = existsSync(fileURLToPath(new URL('../dist/commands/agent.js', import.meta.url)))
if (!haveAgent) console.warn('\n*** SKIPPING test/netns-agents.test.ts: dist/commands/agent.js not built (imh agent missing) ***\n')

describe.runIf(redisTests && haveAgent)('imh agent in each namespace', () => {
  let set: NamespaceSet
  let redis: TestRedis
  beforeAll(async () => {
    set = await createNamespaces(3)
    redis = await startRedis({bind: [set.hubAddress, '127.0.0.1']})
  })
  afterAll(async () => {
    await redis?.stop()
    await set?.cleanup()
  })

  it('three agents, one per namespace, print their ready lines and stop with exit 0 on SIGTERM', async () => {
    const run = await startNamespacedAgents(3, redis.url, {set, redisPrefix: 'netns-agents:'})
    try {
      expect(run.agents.map((a) => a.ready.id)).toEqual(['ns-0', 'ns-1', 'ns-2'])
      for (const a of run.agents) expect(a.ready).toMatchObject({event: 'ready', role: 'agent', workers: 1})
    } finally {
      expect(await run.stop()).toEqual([0, 0, 0])
    }
  })
})
