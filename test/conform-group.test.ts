import {describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner} from '../src/conform/index.js'
import {startNodeGroup} from '../reference-server/cluster/node-group.js'
import {CONFORM_LIMITS} from '../reference-server/conform-target.js'
import {redisTests, useRedis, warnIfNoRedis} from './support/redis.js'

warnIfNoRedis('the conformance suite against a group of three nodes')

/**
 * Issue 13's test of a group: the whole suite against three node processes sharing a Redis
 * (PROTOCOL.md §2.5). The scheduler spreads the suite's clients over the nodes by their ids, so
 * the two parties of a case land on different nodes about two times in three.
 */
describe.runIf(redisTests)('conformance suite against imh serve --redis --nodes 3', () => {
  const redis = useRedis()

  it('passes every case, with every node serving some of the clients', async () => {
    const group = await startNodeGroup(3, {limits: CONFORM_LIMITS, redis: {url: redis.current.url, prefix: 'conform3:'}, metrics: {port: 0}})
    try {
      const [first] = group.nodes
      const report = await new ConformanceRunner({scheduler: first!.ready.scheduler, resolver: first!.ready.dns, cases: [...ALL_CASES], spread: true}).run()
      const bad = report.cases.filter((c) => !['pass', 'info'].includes(c.verdict))
      expect(bad.map((c) => `${c.id}: ${c.verdict} ${c.message}`)).toEqual([])
      expect(report.cases).toHaveLength(ALL_CASES.length)
      for (const node of group.nodes) {
        const text = await (await fetch(node.ready.metrics!)).text()
        const auths = Number(/^imh_server_long_frames_in_total\{cmd="AUTH"\} (\d+)$/m.exec(text)?.[1] ?? 0)
        expect(auths, `AUTHs on ${node.ready.long}`).toBeGreaterThan(10)
      }
    } finally {
      await group.close()
    }
  }, 240_000)
})
