import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {CHAT_OPTIONS, startJsonChatServer} from './support/json-chat-server.js'
import {mosquittoTests, startMosquitto, warnIfNoMosquitto} from './support/mosquitto.js'
import {prosodyTests, startProsody, warnIfNoProsody} from './support/prosody.js'
import {redisTests, useRedis, warnIfNoRedis} from './support/redis.js'
import {startAgent} from './support/agents.js'
import {runCli} from './support/run-cli.js'

// `imh load --adapter <built-in>` end to end against real servers: the scenarios, executors,
// workers, thresholds and outputs of any run, with the clients speaking another protocol.

const dir = mkdtempSync(join(tmpdir(), 'imh-load-adapters-'))

interface Results {
  counters: Record<string, number>
  metrics: Record<string, {count: number; p99: number}>
  meta: {adapter?: {name: string; guarantees: Record<string, unknown>}}
}

/** A chat profile for adapter `adapter` with these options: 20 clients over 2 workers, 5 messages/s each for 3 s. */
export function chatProfile(name: string, adapter: string, adapterOptions: object, extra = ''): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, [
    `options: {adapter: ${adapter}, adapterOptions: ${JSON.stringify(adapterOptions)}, drain: 3s, workers: 2}`,
    'scenarios:',
    `  pairs: {scenario: chat, executor: constant-vus, vus: 20, duration: 3s, messageRate: 5, heartbeatInterval: 1s${extra}}`,
    'thresholds: {lost: [count==0], errors: [count==0], sync_latency: [\'p(99)<1000\']}',
  ].join('\n') + '\n')
  return file
}

export async function runChat(file: string, target: string): Promise<{code: number | null; stdout: string; results: Results}> {
  const out = `${file}.json`
  const r = await runCli(['load', file, '--target', target, '--quiet', '--out', out], 90_000)
  if (r.code !== 0) console.error(r.stdout, r.stderr)
  return {code: r.code, stdout: r.stdout, results: JSON.parse(readFileSync(out, 'utf8')) as Results}
}

/** What a healthy chat run shows whatever the adapter: it passed, every acknowledged message was delivered once, in order, and timed. */
function expectEveryMessageDelivered({code, results}: {code: number | null; results: Results}): Results['counters'] {
  expect(code).toBe(0)
  const c = results.counters
  expect(c.sent).toBeGreaterThan(100)
  expect(c.acked).toBe(c.sent)
  expect(c.delivered).toBe(c.acked)
  expect([c.lost, c.duplicates, c.reordered]).toEqual([0, 0, 0])
  expect(results.metrics.sync_latency!.count).toBe(c.delivered)
  return c
}

/** What runOpenModels shows on a healthy server: nearly every scheduled heartbeat answered and login done, no error. */
function expectOpenModelsServed({code, results}: {code: number | null; results: Results}): void {
  expect(code).toBe(0)
  expect(results.metrics.heartbeat_rtt!.count).toBeGreaterThanOrEqual(55)
  expect(results.metrics.iteration_duration!.count).toBeGreaterThanOrEqual(27)
  expect(results.counters.errors).toBe(0)
}

/** heartbeat (20 on-demand heartbeats a second) and login-storm (10 logins a second), 3 s each, on adapter `adapter`. */
async function runOpenModels(name: string, adapter: string, adapterOptions: object, target: string): Promise<{code: number | null; results: Results}> {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, [
    `options: {adapter: ${adapter}, adapterOptions: ${JSON.stringify(adapterOptions)}, drain: 0s, workers: 2}`,
    'scenarios:',
    '  beat: {scenario: heartbeat, executor: constant-arrival-rate, rate: 20, duration: 3s, preAllocatedVUs: 4}',
    '  storm: {scenario: login-storm, executor: constant-arrival-rate, rate: 10, duration: 3s, preAllocatedVUs: 4}',
  ].join('\n') + '\n')
  const out = `${file}.json`
  const r = await runCli(['load', file, '--target', target, '--quiet', '--out', out], 90_000)
  if (r.code !== 0) console.error(r.stdout, r.stderr)
  return {code: r.code, results: JSON.parse(readFileSync(out, 'utf8')) as Results}
}

describe('imh load --adapter json-ws against a JSON chat server of its own', () => {
  it('pairs chat across two workers: every acknowledged message delivered once, timed, in order', async () => {
    const server = await startJsonChatServer()
    try {
      const run = await runChat(chatProfile('json-ws', 'json-ws', CHAT_OPTIONS), server.url)
      const {stdout, results} = run
      expectEveryMessageDelivered(run)
      expect(results.metrics.heartbeat_rtt!.count).toBeGreaterThan(0)
      expect(results.meta.adapter).toMatchObject({name: 'json-ws', guarantees: {acknowledged: true}})
      expect(stdout).toContain('adapter json-ws')
    } finally {
      await server.close()
    }
  }, 100_000)

  it('a server that delivers twice breaks an at-most-once promise: duplicates counted, the threshold fails', async () => {
    const server = await startJsonChatServer()
    server.knobs.duplicate = true
    try {
      const file = chatProfile('json-ws-dup', 'json-ws', CHAT_OPTIONS)
      writeFileSync(file, readFileSync(file, 'utf8').replace('thresholds: {', 'thresholds: {duplicates: [count==0], '))
      const {code, results} = await runChat(file, server.url)
      expect(results.counters.duplicates).toBe(results.counters.delivered)
      expect(code).toBe(99)
    } finally {
      await server.close()
    }
  }, 100_000)
})

describe.runIf(mosquittoTests)('imh load --adapter mqtt against Mosquitto', () => {
  warnIfNoMosquitto('imh load --adapter mqtt')

  it('QoS 1: pairs chat through the broker over two workers, every acknowledged message delivered, timed', async () => {
    const broker = await startMosquitto()
    try {
      const run = await runChat(chatProfile('mqtt-qos1', 'mqtt', {qos: 1}), broker.url)
      const {results} = run
      expectEveryMessageDelivered(run)
      // No heartbeat_rtt here: MQTT pings only a connection idle for its keep-alive.
      expect(results.meta.adapter).toEqual({name: 'mqtt', guarantees: {acknowledged: true, delivery: 'at-least-once', ordered: true}})
    } finally {
      await broker.stop()
    }
  }, 100_000)

  it('QoS 0 through a broker stopped for 2 s: the clients come back, sends that failed are errors, and what was handed over but never arrived is lost', async () => {
    const broker = await startMosquitto()
    try {
      const file = chatProfile('mqtt-qos0-outage', 'mqtt', {qos: 0}, ', reconnectBase: 200ms, reconnectCap: 500ms')
      writeFileSync(file, readFileSync(file, 'utf8').replace('duration: 3s', 'duration: 8s'))
      const running = runChat(file, broker.url)
      await new Promise((r) => setTimeout(r, 4000))
      await broker.kill('SIGKILL')
      await new Promise((r) => setTimeout(r, 2000))
      await broker.start()
      const {results} = await running
      const c = results.counters
      expect(results.meta.adapter?.guarantees).toEqual({acknowledged: false, delivery: 'at-most-once', ordered: true})
      expect(c.acked).toBe(0)
      // Every client came back: won its connection back itself, or (out of tries) started anew.
      expect(c.reconnects! + results.metrics.connect!.count).toBeGreaterThanOrEqual(40)
      // Messages flowed again after the outage, and nothing was delivered twice.
      expect(results.metrics.sync_latency!.count).toBe(c.delivered)
      expect(c.duplicates).toBe(0)
      // Every send either failed (an error, counted by code) or was handed over; of those handed
      // over, lost is what never arrived.
      const failedSends = c.sent! - c.delivered! - c.lost!
      expect(failedSends).toBeGreaterThanOrEqual(0)
      expect(failedSends).toBeLessThanOrEqual(c.errors!)
    } finally {
      await broker.stop()
    }
  }, 100_000)

  it('heartbeat on demand (PINGREQ per iteration, arrival rate) and login-storm through MQTT', async () => {
    const broker = await startMosquitto()
    try {
      expectOpenModelsServed(await runOpenModels('mqtt-open', 'mqtt', {}, broker.url))
    } finally {
      await broker.stop()
    }
  }, 100_000)
})

describe.runIf(prosodyTests)('imh load --adapter xmpp against Prosody', () => {
  warnIfNoProsody('imh load --adapter xmpp')

  it('pairs chat between accounts made with prosodyctl, over two workers: every acknowledged message delivered once, timed', async () => {
    const server = await startProsody()
    try {
      await server.createAccounts(20, (i) => `load${i}`, 'load-secret')
      const run = await runChat(chatProfile('xmpp', 'xmpp', {domain: server.domain, username: 'load{index}', password: 'load-secret'}), server.target)
      const {results} = run
      expectEveryMessageDelivered(run)
      expect(results.metrics.heartbeat_rtt!.count).toBeGreaterThan(0)
      expect(results.metrics.login!.count).toBe(20)
      expect(results.meta.adapter).toEqual({name: 'xmpp', guarantees: {acknowledged: true, delivery: 'at-least-once', ordered: true}})
    } finally {
      await server.stop()
    }
  }, 100_000)

  it('heartbeat on demand (an XEP-0199 ping per iteration, arrival rate) and login-storm through XMPP', async () => {
    const server = await startProsody()
    try {
      await server.createAccounts(8, (i) => `open${i}`, 'load-secret')
      // Both scenarios number their clients from 0: a resource of the run-unique name keeps their logins of one account apart.
      const options = {domain: server.domain, username: 'open{index}', password: 'load-secret', resource: '{username}'}
      const run = await runOpenModels('xmpp-open', 'xmpp', options, server.target)
      const {results} = run
      expectOpenModelsServed(run)
      expect(results.metrics.login!.count).toBeGreaterThanOrEqual(27)
    } finally {
      await server.stop()
    }
  }, 100_000)
})

describe.runIf(redisTests)('imh load --adapter on a distributed run', () => {
  warnIfNoRedis('imh load --adapter --distributed')
  const redis = useRedis()

  it('json-ws over two agents: every agent loads the adapter, pairs span agents, lost joined across them', async () => {
    const agents = [await startAgent(redis.current.url, 'adapter-a', {prefix: 'adapter:'}), await startAgent(redis.current.url, 'adapter-b', {prefix: 'adapter:'})]
    const server = await startJsonChatServer()
    try {
      const file = chatProfile('json-ws-distributed', 'json-ws', CHAT_OPTIONS)
      const out = `${file}.json`
      const r = await runCli(['load', file, '--target', server.url, '--distributed', '--redis', redis.current.url, '--redis-prefix', 'adapter:', '--out', out, '-q'], 90_000)
      expect(r.code, r.stdout + r.stderr).toBe(0)
      const doc = JSON.parse(readFileSync(out, 'utf8')) as Results & {meta: {agents: unknown[]}}
      expect(doc.meta.agents).toHaveLength(2)
      expect(doc.meta.adapter?.name).toBe('json-ws')
      expect(doc.counters.acked).toBeGreaterThan(50)
      expect(doc.counters.delivered).toBe(doc.counters.acked)
      expect(doc.counters.lost).toBe(0)
    } finally {
      await server.close()
      for (const a of agents) await a.close()
    }
  }, 120_000)
})
