import {describe, expect, it} from 'vitest'
import {startReferenceServer} from '../reference-server/index.js'
import {readyLine} from '../reference-server/run-until-signal.js'
import {runCli} from './support/run-cli.js'

describe('reference server metrics (imh serve --metrics)', () => {
  it('serves process figures, long links held and HTTP answers by group and status on a listener of its own', async () => {
    const server = await startReferenceServer({flows: ['core'], metrics: {port: 0}})
    try {
      expect(server.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      expect(readyLine(server).metrics).toBe(server.metrics)
      expect((await fetch(server.urls.scheduler)).status).toBe(200)
      expect((await fetch(new URL('/no-such-route', server.urls.short))).status).toBe(404)
      const res = await fetch(server.metrics!)
      expect(res.headers.get('content-type')).toContain('text/plain')
      const text = await res.text()
      expect(text).toMatch(/^imh_server_long_connections 0$/m)
      expect(text).toMatch(/^imh_server_http_requests_total\{group="scheduler",status="200"\} 1$/m)
      expect(text).toMatch(/^imh_server_http_requests_total\{group="short",status="404"\} 1$/m)
      expect(text).toMatch(/^imh_server_process_resident_memory_bytes \d+/m)
      // Only /metrics is served there.
      expect((await fetch(new URL('/', server.metrics!))).status).toBe(404)
    } finally {
      await server.close()
    }
  })

  it('has no metrics listener unless asked, and a bad --metrics is a usage error naming the flag', async () => {
    const server = await startReferenceServer({flows: ['core']})
    try {
      expect(server.metrics).toBeUndefined()
      expect(readyLine(server)).not.toHaveProperty('metrics')
    } finally {
      await server.close()
    }
    const r = await runCli(['serve', '--metrics', 'nine-one-hundred'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--metrics: expected [HOST]:PORT')
  })
})
