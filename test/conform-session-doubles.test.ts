import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {conform, verdicts} from './conform-helpers.js'
import {AnyTokenStore} from './doubles/any-token-store.js'

const closers: (() => unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function start(make: () => Promise<ReferenceServer>): Promise<ReferenceServer> {
  const s = await make()
  closers.push(() => s.close())
  return s
}

describe('session cases against broken doubles', () => {
  it('a server that takes any token for a user fails the token cases, and only those', async () => {
    const server = await start(() => startEmbeddedTarget({store: new AnyTokenStore()}))
    const v = verdicts(await conform(server, ['session.*', 'short.*'], ['session.*-keeps-alive']))
    expect(v['session.bad-token']).toBe('fail')
    expect(v['session.kicked-token']).toBe('fail')
    expect(v['short.profile-bad-token']).toBe('fail')
    expect(v['short.old-token-kicked']).toBe('fail')
    for (const id of ['session.auth-ok', 'session.auth-first', 'session.heartbeat-echo', 'session.kick-second-login', 'short.login', 'short.register']) expect(v[id], id).toBe('pass')
  })

/** Fronts a real server's scheduler with one that announces other limits than the server keeps. */
async function liar(real: ReferenceServer, limits: object): Promise<string> {
  const server: Server = createServer(async (_req, res) => {
    const answer = (await (await fetch(real.urls.scheduler)).json()) as {limits: object}
    answer.limits = {...answer.limits, ...limits}
    res.writeHead(200, {'content-type': 'application/json'})
    res.end(JSON.stringify(answer))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => new Promise((r) => server.close(r)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns`
}

describe('time-out cases against servers whose time-outs are not what they announce', () => {
  it('announced 1 s, enforced never: the handshake and idle cases fail', async () => {
    const real = await start(() => startReferenceServer({limits: {handshakeTimeoutMs: 600_000, idleTimeoutMs: 600_000}}))
    const scheduler = await liar(real, {handshakeTimeoutMs: 1000, idleTimeoutMs: 1500})
    const report = await new ConformanceRunner({scheduler, cases: selectCases(ALL_CASES, ['session.handshake-timeout', 'session.idle-timeout', 'session.heartbeat-echo'])}).run()
    const v = verdicts(report)
    expect(v).toEqual({'session.handshake-timeout': 'fail', 'session.idle-timeout': 'fail', 'session.heartbeat-echo': 'pass'})
    expect(report.cases.find((c) => c.id === 'session.idle-timeout')!.message).toMatch(/did not close the link/)
    expect(report.summary.error).toBe(0)
  })
})

  it('announced 1.5 s, enforced 0.4 s: both keep-alive cases and the idle case fail', async () => {
    const real = await start(() => startReferenceServer({limits: {idleTimeoutMs: 400}}))
    const scheduler = await liar(real, {idleTimeoutMs: 1500})
    const report = await new ConformanceRunner({scheduler, cases: selectCases(ALL_CASES, ['session.*-keeps-alive', 'session.idle-timeout'])}).run()
    expect(verdicts(report)).toEqual({'session.idle-timeout': 'fail', 'session.heartbeat-keeps-alive': 'fail', 'session.ping-keeps-alive': 'non-strict'})
    expect(report.cases.find((c) => c.id === 'session.heartbeat-keeps-alive')!.message).toMatch(/ms of NOOPs every 500 ms .* the link failed/)
  })
})
