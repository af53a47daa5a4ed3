import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {ALL_CASES, ConformanceRunner, selectCases} from '../src/conform/index.js'
import {startEmbeddedTarget} from '../reference-server/conform-target.js'
import {verdicts} from './conform-helpers.js'

let server: Server | undefined
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())))

async function schedulerDouble(status: number, type: string, body: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, {'content-type': type})
    res.end(body)
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns`
}

describe('scheduler cases against broken doubles', () => {
  it('a scheduler answering HTML (as the original did) fails the scheduler cases; it is not a harness error', async () => {
    const scheduler = await schedulerDouble(200, 'text/html', '<html>long.weixin.qq.com 1.2.3.4</html>')
    const report = await new ConformanceRunner({scheduler, cases: selectCases(ALL_CASES, ['scheduler.*'])}).run()
    const v = verdicts(report)
    for (const id of ['scheduler.answers-json', 'scheduler.groups-listed', 'scheduler.client-ip', 'scheduler.ttl', 'scheduler.fallback-serves']) expect(v[id], id).toBe('fail')
    expect(v['scheduler.limits-announced']).toBe('non-strict')
    expect(report.summary.error).toBe(0)
    expect(report.cases.find((c) => c.id === 'scheduler.groups-listed')!.message).toMatch(/not JSON/)
  })

  it('a scheduler answering 500 fails with the status in the message', async () => {
    const scheduler = await schedulerDouble(500, 'application/json', '{"ret":500,"code":"IMH_ERR_INTERNAL","errMsg":"down"}')
    const report = await new ConformanceRunner({scheduler, cases: selectCases(ALL_CASES, ['scheduler.groups-listed', 'scheduler.client-ip'])}).run()
    expect(verdicts(report)).toEqual({'scheduler.groups-listed': 'fail', 'scheduler.client-ip': 'fail'})
    expect(report.cases[0]!.message).toMatch(/HTTP 500/)
  })

  it('a short address whose path the server does not serve fails scheduler.addresses-serve, though a 404 envelope answers there', async () => {
    const target = await startEmbeddedTarget()
    try {
      const answer = await (await fetch(target.urls.scheduler)).json() as {groups: {short: string[]}}
      answer.groups.short = answer.groups.short.map((u) => `${u}/nowhere`)
      const scheduler = await schedulerDouble(200, 'application/json', JSON.stringify(answer))
      const report = await new ConformanceRunner({scheduler, cases: selectCases(ALL_CASES, ['scheduler.addresses-serve'])}).run()
      expect(verdicts(report)).toEqual({'scheduler.addresses-serve': 'fail'})
      expect(report.cases[0]!.message).toMatch(/no such route/)
    } finally {
      await target.close()
    }
  })
})
