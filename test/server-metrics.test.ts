import {describe, expect, it} from 'vitest'
import {VirtualClient} from '../src/client/index.js'
import {CMD} from '../src/protocol/index.js'
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

  it('counts long-link frames by cmd, errors by code and the notify-to-pull time of SYNC', async () => {
    const server = await startReferenceServer({flows: ['core'], metrics: {port: 0}})
    const resolved = {groups: server.groups, sources: {}, errors: []}
    const a = new VirtualClient({resolved, credentials: {username: 'm-a', password: 'pw'}, register: true, heartbeat: false})
    const b = new VirtualClient({resolved, credentials: {username: 'm-b', password: 'pw'}, register: true, heartbeat: false})
    try {
      await a.start()
      await b.start()
      const got = new Promise((r) => b.once('message', r))
      await a.sendText(b.userId!, 'hi', 'c1')
      await got
      await a.heartbeat()
      await a.link!.request(CMD.SYNC, {syncKey: {epoch: 0, seq: 0}, limit: 0}).catch(() => undefined)
      const text = await (await fetch(server.metrics!)).text()
      expect(text).toMatch(/^imh_server_long_frames_in_total\{cmd="AUTH"\} 2$/m)
      expect(text).toMatch(/^imh_server_long_frames_in_total\{cmd="SEND_MSG"\} 1$/m)
      expect(text).toMatch(/^imh_server_long_frames_out_total\{cmd="SYNC_NOTIFY"\} 1$/m)
      expect(text).toMatch(/^imh_server_long_frames_in_total\{cmd="NOOP"\} 1$/m)
      expect(text).toMatch(/^imh_server_errors_total\{code="IMH_ERR_BAD_BODY"\} 1$/m)
      expect(text).toMatch(/^imh_server_sync_notify_to_pull_seconds_count 1$/m)
      expect(text).toMatch(/^imh_server_long_connections 2$/m)
    } finally {
      await a.close()
      await b.close()
      await server.close()
    }
  })

  it('shows the UDP relay\'s datagrams by outcome when talk runs', async () => {
    const server = await startReferenceServer({flows: ['talk'], metrics: {port: 0}})
    try {
      const text = await (await fetch(server.metrics!)).text()
      for (const outcome of ['forwarded', 'echoed', 'unknownToken', 'malformed']) expect(text).toMatch(new RegExp(`^imh_server_relay_packets_total\\{outcome="${outcome}"\\} 0$`, 'm'))
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
