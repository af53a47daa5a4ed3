import {describe, expect, it} from 'vitest'
import {startReferenceServer} from './index.js'
import {LISTENERS, UDP_FLOWS} from './port-layout.js'
import {readyLine} from './run-until-signal.js'

describe('readyLine', () => {
  it('lists each listener, the groups without one (the relay ports), the DNS server, every group and the pid', async () => {
    const server = await startReferenceServer({limits: {stunPorts: 1}})
    try {
      const line = readyLine(server)
      const udpGroups = UDP_FLOWS.flatMap((f) => (f.udp!.group ? [f.udp!.group] : []))
      expect(Object.keys(line)).toEqual(['event', ...LISTENERS.map((l) => l.name), ...udpGroups, ...(server.resolver ? ['dns'] : []), 'groups', 'pid'])
      expect(line.dns).toBe(server.resolver)
      expect(Object.keys(line).slice(0, 2)).toEqual(['event', 'scheduler'])
      expect(line).toMatchObject({event: 'ready', scheduler: server.urls.scheduler, relay: server.groups.relay, pid: process.pid})
      expect(line.relay).toHaveLength(1)
    } finally {
      await server.close()
    }
  })
})
