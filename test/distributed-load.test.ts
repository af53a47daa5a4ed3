import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {LatencyHistogram} from '../src/common/histogram.js'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {startReferenceServer} from '../reference-server/index.js'
import {type TestAgent, startAgent} from './support/agents.js'
import {withOkServer} from './support/ok-server.js'
import {redisTests, useRedis, warnIfNoRedis} from './support/redis.js'
import {BIN, children, oneLine, runCli} from './support/run-cli.js'
import {until} from './support/until.js'
import {spawn} from 'node:child_process'

warnIfNoRedis('imh load --distributed')
const dir = mkdtempSync(join(tmpdir(), 'imh-distributed-'))
const read = (file: string): ResultsJson => JSON.parse(readFileSync(file, 'utf8')) as ResultsJson

// 20 requests a second for 3 s, every one counted: the shares must add up to exactly 60.
const HTTP_RATE = (url: string): string => {
  const file = join(dir, `http-rate-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, `scenarios:\n  get: {scenario: http, executor: constant-arrival-rate, rate: 20, duration: 3s, preAllocatedVUs: 4, maxVUs: 8, url: '${url}'}\n`)
  return file
}

describe.runIf(redisTests)('imh load --distributed over agents (processes on this host)', () => {
  const redis = useRedis()
  const agents: TestAgent[] = []
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.close()
  })
  const agent = async (id: string, workers = 1, prefix = 'imh:'): Promise<TestAgent> => {
    const a = await startAgent(redis.current.url, id, {workers, prefix})
    agents.push(a)
    return a
  }

  it('splits an arrival rate over agents of different worker counts exactly, and merges their histograms exactly', async () => {
    await agent('rate-a', 1, 'rate:')
    await agent('rate-b', 2, 'rate:')
    await withOkServer(async (url) => {
      const out = join(dir, 'rate.json')
      const r = await runCli(['load', HTTP_RATE(url), '--target', url, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'rate:', '--agents', '2', '--out', out, '-q'], 90_000)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stdout).toMatch(/agents: rate-\w \(.*share 0\/2\), rate-\w \(.*share 1\/2\)/)
      const doc = read(out)
      expect(doc.counters.http_reqs).toBe(60)
      expect(doc.meta.workers).toBe(3)
      for (const w of doc.saturation.workers) expect(w.label).toMatch(/^agent rate-[ab] worker \d$/)
      const parts = doc.meta.agents!
      expect(parts.map((a) => a.id).sort()).toEqual(['rate-a', 'rate-b'])
      // The sum of its parts: every counter, and each agent did a share.
      for (const name of Object.keys(doc.counters)) expect(parts.reduce((n, a) => n + (a.counters?.[name] ?? 0), 0), name).toBe(doc.counters[name])
      for (const a of parts) expect(a.counters!.http_reqs).toBeGreaterThan(0)
      // The run's percentiles are those of one histogram of every agent's samples.
      const union = new LatencyHistogram()
      for (const a of parts) union.add(LatencyHistogram.decode(a.metrics!.http_req_duration!.histogram))
      const merged = LatencyHistogram.decode(doc.metrics.http_req_duration!.histogram)
      expect(merged.count).toBe(union.count)
      expect(merged.percentile(99)).toBe(union.percentile(99))
      expect(merged.percentile(50)).toBe(union.percentile(50))
    })
  }, 120_000)

  it('judges thresholds on the merged data every second: an abortOnFail threshold stops every agent', async () => {
    await agent('abort-a', 1, 'abort:')
    await agent('abort-b', 1, 'abort:')
    await withOkServer(async (url) => {
      const file = join(dir, 'abort.yaml')
      // Only the sum of both agents' requests passes 30: neither agent's own share could fail it.
      writeFileSync(file, `scenarios:\n  get: {scenario: http, executor: constant-arrival-rate, rate: 20, duration: 30s, preAllocatedVUs: 4, maxVUs: 8, url: '${url}'}\nthresholds:\n  http_reqs:\n    - threshold: count<30\n      abortOnFail: true\n`)
      const out = join(dir, 'abort.json')
      const started = Date.now()
      const r = await runCli(['load', file, '--target', url, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'abort:', '--out', out, '-q'], 90_000)
      expect(r.code, r.stdout).toBe(99)
      const doc = read(out)
      expect(doc.aborted?.reason).toMatch(/http_reqs count<30/)
      expect(doc.aborted!.atMs).toBeLessThan(10_000)
      expect(Date.now() - started).toBeLessThan(25_000)
      for (const a of doc.meta.agents!) expect(a.counters!.http_reqs).toBeGreaterThan(0)
    })
  }, 120_000)

  it('runs chat with pairs spanning agents: every acknowledged message is delivered once, lost joined across agents', async () => {
    await agent('chat-a', 1, 'chat:')
    await agent('chat-b', 1, 'chat:')
    const server = await startReferenceServer()
    try {
      const out = join(dir, 'chat.json')
      const r = await runCli(['load', 'chat', '--clients', '8', '--duration', '4s', '--target', server.urls.scheduler, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'chat:', '--out', out, '-q'], 90_000)
      const doc = read(out)
      expect(doc.meta.agents).toHaveLength(2)
      expect(doc.counters.acked, r.stdout).toBeGreaterThan(0)
      expect(doc.counters.delivered).toBe(doc.counters.acked)
      expect(doc.counters.lost).toBe(0)
      expect(doc.counters.duplicates).toBe(0)
    } finally {
      await server.close()
    }
  }, 120_000)

  it('names an agent killed during the run and exits 4; with --tolerate-agent-loss the run goes on and marks its share lost', async () => {
    const server = await startReferenceServer()
    try {
      // Both at once (separate prefixes, agents and files): the test takes one run's time, not two.
      await Promise.all([false, true].map(async (tolerate) => {
        const prefix = `loss${tolerate ? 't' : 'f'}:`
        await agent(`keep-${tolerate}`, 1, prefix)
        const doomed = await agent(`doomed-${tolerate}`, 1, prefix)
        const out = join(dir, `loss-${tolerate}.json`)
        const run = runCli(['load', 'smoke', '--clients', '4', '--duration', '8s', '--target', server.urls.scheduler, '--distributed', '--redis', redis.current.url, '--redis-prefix', prefix, '--out', out, '-q', ...(tolerate ? ['--tolerate-agent-loss'] : [])], 90_000)
        await until(() => doomed.lines.some((l) => l.event === 'job-start'), 30_000)
        await new Promise((r) => setTimeout(r, 2000))
        doomed.child.kill('SIGKILL')
        const r = await run
        const doc = read(out)
        const lost = doc.meta.agents!.find((a) => a.id === `doomed-${tolerate}`)!
        expect(lost.lost?.reason).toMatch(/stopped reporting|no longer runs/)
        expect(doc.meta.agents!.find((a) => a.id === `keep-${tolerate}`)!.lost).toBeUndefined()
        if (tolerate) {
          expect(r.code, r.stdout).not.toBe(4)
          expect(r.stdout).toContain('agents were lost (tolerated)')
          expect(doc.runError).toBeUndefined()
        } else {
          expect(r.code, r.stdout).toBe(4)
          expect(r.stdout).toMatch(/RUN FAILED \(IMH_ERR_AGENT_LOST\)[\s\S]*agent doomed-false lost/)
        }
      }))
    } finally {
      await server.close()
    }
  }, 180_000)

  it('leaves agents to stop by themselves when the coordinator dies, and ready for the next run', async () => {
    const a = await agent('orphan', 1, 'orphan:')
    const server = await startReferenceServer()
    try {
      const child = spawn(process.execPath, [BIN, 'load', 'smoke', '--clients', '2', '--duration', '60s', '--target', server.urls.scheduler, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'orphan:', '-q'])
      children.push(child)
      await until(() => a.lines.some((l) => l.event === 'job-start'), 30_000)
      const killedAt = Date.now()
      child.kill('SIGKILL')
      await until(() => a.lines.some((l) => l.event === 'job-end'), 15_000)
      expect(Date.now() - killedAt).toBeLessThan(10_000)
      expect(a.lines.find((l) => l.event === 'job-end')!.reason).toMatch(/coordinator stopped/)
      // Idle again: the next run gets it (its claim was given back, or expires).
      const r = await runCli(['load', 'smoke', '--clients', '1', '--duration', '1s', '--target', server.urls.scheduler, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'orphan:', '--agents-wait', '15s', '-q'], 90_000)
      expect(r.stdout).toContain('agents: orphan')
    } finally {
      await server.close()
    }
  }, 120_000)

  it('says in a sentence that no agent is there, and refuses distributed flags without --distributed', async () => {
    const none = await runCli(['load', 'smoke', '--target', 'http://127.0.0.1:9/dns', '--distributed', '--redis', redis.current.url, '--redis-prefix', 'nobody:', '--agents-wait', '1s'], 30_000)
    expect(none.code).toBe(1)
    expect(oneLine(none.stderr)).toMatch(/IMH_ERR_AGENTS_UNAVAILABLE: wanted an agent on redis:\/\/.*0 idle within 1 s; 0 live\. Start agents with: imh agent --redis/)
    expect(none.stderr).not.toMatch(/\n\s+at /)
    const stray = await runCli(['load', 'smoke', '--agents', '2'], 30_000)
    expect(stray.code).toBe(2)
    expect(oneLine(stray.stderr)).toContain('--agents applies to distributed runs only')
    const both = await runCli(['load', 'smoke', '--distributed', '--redis', redis.current.url, '--target', 'http://127.0.0.1:9/dns', '--shard', '0/2'], 30_000)
    expect(both.code).toBe(2)
    expect(oneLine(both.stderr)).toContain('give --shard or --distributed, not both')
    const noRedis = await runCli(['load', 'smoke', '--distributed', '--target', 'http://127.0.0.1:9/dns'], 30_000)
    expect(noRedis.code).toBe(2)
    expect(oneLine(noRedis.stderr)).toMatch(/--redis/)
    const unreachable = await runCli(['load', 'smoke', '--target', 'http://127.0.0.1:9/dns', '--distributed', '--redis', 'redis://127.0.0.1:9'], 30_000)
    expect(unreachable.code).toBe(1)
    expect(oneLine(unreachable.stderr)).toContain('IMH_ERR_REDIS_UNREACHABLE: cannot reach Redis at redis://127.0.0.1:9')
  }, 120_000)
})

