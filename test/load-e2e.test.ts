import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {WebSocketServer} from 'ws'
import type {ResultsJson} from '../src/load/outputs/results-json.js'
import {oneLine, runCli} from './support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'imh-load-'))
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

function results(file: string): ResultsJson {
  return JSON.parse(readFileSync(file, 'utf8')) as ResultsJson
}

function profileFile(name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, yaml)
  return file
}

describe('imh load against the embedded reference server', () => {
  it('200 chatting clients over 2 workers: every acknowledged message is delivered exactly once', async () => {
    const out = join(dir, 'chat-200.json')
    const r = await runCli(['load', '--profile', 'chat', '--clients', '200', '--duration', '6s', '--rate', '100', '--workers', '2', '--out', out, '--quiet'], 120_000)
    expect(r.stderr).not.toMatch(/Error/)
    expect(r.code).toBe(0)
    const j = results(out)
    expect(j.schema).toBe('imharness/load-results@1')
    expect(j.ok).toBe(true)
    expect(j.meta.workers).toBe(2)
    expect(j.counters.sent).toBeGreaterThan(200)
    expect(j.counters.acked).toBe(j.counters.sent)
    expect(j.counters.delivered).toBe(j.counters.acked)
    expect(j.counters.lost).toBe(0)
    expect(j.counters.duplicates).toBe(0)
    for (const m of ['sync_latency', 'sync_latency_uncorrected', 'send_ack', 'connect', 'login', 'scheduler']) {
      expect(j.metrics[m]?.count, m).toBeGreaterThan(0)
      expect(j.metrics[m]!.p99).toBeGreaterThanOrEqual(j.metrics[m]!.p50)
    }
    expect(j.metrics.sync_latency!.count).toBe(j.counters.delivered)
    expect(Math.max(...j.timeSeries.map((t) => t.vus))).toBe(200)
    expect(r.stdout).toContain('lost')
    expect(r.stdout).toContain('✓ run passed')
  }, 150_000)

  it('qr-login: browsers hold polls while phones scan and confirm; the three QR metrics are reported', async () => {
    const out = join(dir, 'qr.json')
    const r = await runCli(['load', '--profile', 'qr-login', '--clients', '20', '--duration', '4s', '--rate', '10', '--out', out, '--quiet'], 90_000)
    expect(r.code).toBe(0)
    const j = results(out)
    for (const m of ['qr_scan_notify', 'qr_confirm_login', 'qr_login_total']) expect(j.metrics[m]?.count, m).toBeGreaterThan(0)
    expect(j.counters.qr_logins).toBe(j.metrics.qr_login_total!.count)
    expect(j.counters.qr_polls).toBeGreaterThanOrEqual(j.counters.qr_logins! * 2)
    expect(j.errors).toEqual({})
  }, 100_000)

  it('exits 99 when a threshold cannot hold, and says which', async () => {
    const out = join(dir, 'impossible.json')
    const r = await runCli(['load', '--profile', 'smoke', '--clients', '4', '--duration', '2s', '--threshold', 'sync_latency:max<0.001', '--out', out, '--quiet'], 90_000)
    expect(r.code).toBe(99)
    expect(r.stdout).toMatch(/✗ sync_latency max<0\.001/)
    const j = results(out)
    expect(j.ok).toBe(false)
    expect(j.thresholds.find((t) => t.expression === 'max<0.001')).toMatchObject({metric: 'sync_latency', ok: false})
  }, 100_000)

  it('abortOnFail stops the run early, with exit 99 and the reason in results.json', async () => {
    const file = profileFile('abort', `
scenarios:
  pairs: {scenario: chat, executor: constant-vus, vus: 4, duration: 60s, messageRate: 5}
thresholds:
  send_ack:
    - threshold: max<0.001
      abortOnFail: true
`)
    const out = join(dir, 'abort.json')
    const t0 = Date.now()
    const r = await runCli(['load', '--profile', file, '--workers', '1', '--out', out, '--quiet'], 90_000)
    expect(r.code).toBe(99)
    expect(Date.now() - t0).toBeLessThan(40_000)
    expect(results(out).aborted?.reason).toMatch(/send_ack max<0\.001/)
  }, 100_000)

  it('a threshold on a metric nobody recorded fails: no samples is not a pass', async () => {
    const r = await runCli(['load', '--profile', 'ws-ping', '--clients', '2', '--duration', '2s', '--threshold', 'sync_latency:p(99)<1000', '--quiet'], 90_000)
    expect(r.code).toBe(99)
    expect(r.stdout).toMatch(/✗ sync_latency p\(99\)<1000 \(no samples\)/)
  }, 100_000)
})

describe('imh load --transport tcp: the long link as a byte stream (PROTOCOL.md §4)', () => {
  it('chat: every acknowledged message is delivered exactly once; results say the transport', async () => {
    const out = join(dir, 'chat-tcp.json')
    const r = await runCli(['load', '-p', 'chat', '--transport', 'tcp', '--clients', '40', '--duration', '4s', '--rate', '20', '--workers', '1', '--out', out, '--quiet'], 120_000)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('long link over tcp')
    const j = results(out)
    expect(j.meta.transport).toBe('tcp')
    expect(j.counters.sent).toBeGreaterThan(20)
    expect(j.counters.delivered).toBe(j.counters.acked)
    expect(j.counters.lost).toBe(0)
    expect(j.counters.errors ?? 0).toBe(0)
  })

  it('heartbeat: NOOP round trips over the stream (WebSocket pings do not exist there)', async () => {
    const out = join(dir, 'heartbeat-tcp.json')
    const file = profileFile('hb-tcp', 'options: {transport: tcp}\nscenarios:\n  idle: {scenario: heartbeat, executor: constant-vus, vus: 20, duration: 4s, heartbeatInterval: 500ms}\nthresholds:\n  errors: [count==0]\n')
    const r = await runCli(['load', file, '--workers', '1', '--out', out, '--quiet'], 120_000)
    expect(r.code, r.stderr).toBe(0)
    const j = results(out)
    expect(j.meta.transport).toBe('tcp')
    expect(j.metrics.heartbeat_rtt!.count).toBeGreaterThanOrEqual(20)
  })

  it('refuses an unknown transport, and a profile with no long link, with exit 2', async () => {
    const bad = await runCli(['load', '-p', 'chat', '--transport', 'udp'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--transport/)
    const ping = await runCli(['load', '-p', 'ws-ping', '--transport', 'tcp'])
    expect(ping.code).toBe(2)
    expect(oneLine(ping.stderr)).toMatch(/IMH_ERR_INVALID_OPTION: --transport does not apply to profile "ws-ping"/)
  })
})

describe('imh load: usage errors exit 2 with a coded message', () => {
  it('names the file, the field and what is allowed for a bad profile', async () => {
    const file = profileFile('bad', 'scenarios:\n  s: {scenario: chat, executor: constant-vu, vus: 2, duration: 1s}\n')
    const r = await runCli(['load', '--profile', file], 30_000)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('IMH_ERR_PROFILE_INVALID')
    expect(r.stderr).toContain('bad.yaml')
    expect(r.stderr).toContain('scenarios.s.executor')
    expect(r.stderr).toContain('constant-vus')
  })

  it('refuses an unknown built-in, listing the built-ins', async () => {
    const r = await runCli(['load', '--profile', 'no-such-profile'], 30_000)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('IMH_ERR_PROFILE_NOT_FOUND')
    expect(r.stderr).toContain('smoke')
  })

  it('takes the profile as its argument: an unknown name gets the built-ins, not "command not found"', async () => {
    const r = await runCli(['load', 'no-such-profile'], 30_000)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('IMH_ERR_PROFILE_NOT_FOUND')
    expect(r.stderr).not.toContain('command load:')
    expect(oneLine(r.stderr)).toContain('built-in profiles: bottle, chat')
  })

  it('reads a profile file given as its argument', async () => {
    const file = profileFile('positional-bad', 'scenarios:\n  s: {scenario: chat, executor: constant-vu, vus: 2, duration: 1s}\n')
    const r = await runCli(['load', file], 30_000)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('positional-bad.yaml')
  })

  it('wants one profile: none, or two different ones, is a usage error', async () => {
    const none = await runCli(['load'], 30_000)
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('name a profile')
    const two = await runCli(['load', 'smoke', '--profile', 'chat'], 30_000)
    expect(two.code).toBe(2)
    expect(two.stderr).toContain('give the profile once')
  })

  it('refuses a threshold that does not parse', async () => {
    const r = await runCli(['load', '--profile', 'smoke', '--threshold', 'sync_latency:p99<5'], 30_000)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('IMH_ERR_THRESHOLD_INVALID')
  })
})

describe('imh load against servers that do not speak the protocol', () => {
  it('ws-ping: heartbeats as WebSocket ping/pong against a plain ws server', async () => {
    const wss = new WebSocketServer({host: '127.0.0.1', port: 0})
    await new Promise((r) => wss.once('listening', r))
    closers.push(() => new Promise((r) => wss.close(() => r())))
    let connections = 0
    wss.on('connection', () => connections++)
    const out = join(dir, 'ws.json')
    const port = (wss.address() as AddressInfo).port
    const r = await runCli(['load', '--profile', 'ws-ping', '--clients', '6', '--duration', '3s', '--target', `ws://127.0.0.1:${port}/`, '--out', out, '--quiet'], 60_000)
    expect(r.code).toBe(0)
    const j = results(out)
    expect(connections).toBe(6)
    expect(j.metrics.heartbeat_rtt!.count).toBeGreaterThanOrEqual(6)
    expect(j.metrics.connect!.count).toBe(6)
    expect(j.meta.embeddedServer).toBe(false)
  }, 70_000)

  it('http: any endpoint through undici, counting unexpected statuses by code', async () => {
    let hits = 0
    const server = createServer((req, res) => {
      hits++
      res.statusCode = req.url === '/missing' ? 404 : 200
      res.end('ok')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    closers.push(() => new Promise((r) => server.close(() => r())))
    const port = (server.address() as AddressInfo).port
    const file = profileFile('http', `
scenarios:
  good: {scenario: http, executor: constant-arrival-rate, rate: 20, duration: 2s, preAllocatedVUs: 4, url: 'http://127.0.0.1:${port}/'}
  bad: {scenario: http, executor: constant-arrival-rate, rate: 5, duration: 2s, preAllocatedVUs: 2, url: 'http://127.0.0.1:${port}/missing'}
`)
    const out = join(dir, 'http.json')
    const r = await runCli(['load', '--profile', file, '--target', `http://127.0.0.1:${port}/`, '--workers', '1', '--out', out, '--quiet'], 60_000)
    expect(r.code).toBe(0)
    const j = results(out)
    expect(j.counters.http_reqs).toBe(hits)
    expect(j.errors.IMH_ERR_UNEXPECTED_STATUS).toBe(10)
    expect(j.metrics.http_req_duration!.count).toBe(40)
    expect(j.metrics.http_req_duration_uncorrected!.count).toBe(40)
  }, 70_000)
})
