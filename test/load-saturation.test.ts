import {afterEach, describe, expect, it} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../reference-server/index.js'
import {LoadRun} from '../src/load/load-run.js'
import {parseProfile} from '../src/load/profile/load-profile.js'

let server: ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

// A worker inside this process (workers: 0) shares the test's event loop, so blocking it here is
// exactly a saturated load generator: the run must say so instead of reporting the stall as latency.
describe('saturation guard', () => {
  it('flags a run whose worker event loop stalled, in the result and per second', async () => {
    server = await startReferenceServer({host: '127.0.0.1', port: 0})
    const profile = parseProfile(`
options: {workers: 0, maxEventLoopLag: 20ms, drain: 1s}
scenarios:
  hb: {scenario: heartbeat, executor: constant-vus, vus: 4, duration: 3s, heartbeatInterval: 100ms}
`, 'saturation.yaml')
    const run = new LoadRun({profile, urls: {scheduler: server.urls.scheduler}, target: server.urls.scheduler, embeddedServer: false})
    const stall = setTimeout(() => {
      const until = Date.now() + 400
      while (Date.now() < until) {
        // busy: nothing else in this process runs meanwhile
      }
    }, 1500)
    const result = await run.run()
    clearTimeout(stall)
    expect(result.runError).toBeUndefined()
    expect(result.metrics.heartbeat_rtt!.count).toBeGreaterThan(0)
    expect(result.saturation.flagged).toBe(true)
    expect(result.saturation.maxEventLoopLagMs).toBeGreaterThan(100)
    expect(result.timeSeries.some((t) => t.saturated)).toBe(true)
  }, 30_000)
})
