import {describe, expect, it} from 'vitest'
import {distributedRedis} from './redis.js'
import {isImhError} from '../../protocol/index.js'
import {redisTests, useRedis, warnIfNoRedis} from '../../../test/support/redis.js'
import {agentInfo} from './agent-info.js'
import {claimAgents, liveAgents, releaseClaims} from './agent-directory.js'
import {DistributedKeys} from './keys.js'

warnIfNoRedis('the agent directory')

describe.runIf(redisTests)('agent directory (real Redis)', () => {
  const redis = useRedis()
  const now = (): number => Date.now()
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

  async function setUp(prefix: string, ids: string[], ttlMs = 5000) {
    const r = await distributedRedis(redis.current.url).connect()
    const keys = new DistributedKeys(prefix)
    for (const id of ids) {
      await r.client.hset(keys.agent(id), {...agentInfo(id, 2, new Date())})
      await r.client.pexpire(keys.agent(id), ttlMs)
      await r.client.zadd(keys.agents(), now(), id)
    }
    return {r, keys}
  }

  it('lists live agents and prunes the ones whose heartbeat expired', async () => {
    const {r, keys} = await setUp('live:', ['a', 'b'])
    await r.client.pexpire(keys.agent('b'), 1)
    await sleep(20)
    expect((await liveAgents(r.client, keys)).map((a) => a.id)).toEqual(['a'])
    expect(await r.client.zrange(keys.agents(), '0', '-1')).toEqual(['a'])
    await r.close()
  })

  it('never gives one agent to two coordinators, and a released claim can be taken again', async () => {
    const {r, keys} = await setUp('claim:', ['a', 'b', 'c'])
    const o = {waitMs: 0, url: redis.current.url, now, sleep}
    const [one, two] = await Promise.all([claimAgents(r.client, keys, 'run1', {...o, count: 2}), claimAgents(r.client, keys, 'run2', {...o, count: 1})])
    const ids = [...one, ...two].map((a) => a.id)
    expect(new Set(ids).size).toBe(3)
    const err = await claimAgents(r.client, keys, 'run3', {...o, count: 1}).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_AGENTS_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toMatch(/wanted 1 agent\(s\) on redis:.*0 idle within 0 s; 3 live/)
    await releaseClaims(r.client, keys, 'run2', two.map((a) => a.id))
    expect((await claimAgents(r.client, keys, 'run3', {...o, count: 1})).map((a) => a.id)).toEqual(two.map((a) => a.id))
    // A release by a run that does not hold the claim changes nothing.
    await releaseClaims(r.client, keys, 'run2', two.map((a) => a.id))
    expect(await r.client.get(keys.claim(two[0]!.id))).toBe('run3')
    await r.close()
  })

  it('waits for agents that register late, up to its wait', async () => {
    const {r, keys} = await setUp('late:', [])
    const claiming = claimAgents(r.client, keys, 'run', {count: 1, waitMs: 5000, url: redis.current.url, now, sleep})
    await sleep(300)
    const other = await setUp('late:', ['late-one'])
    await other.r.close()
    expect((await claiming).map((a) => a.id)).toEqual(['late-one'])
    await r.close()
  })
})
