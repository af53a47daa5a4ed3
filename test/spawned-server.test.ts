import {describe, expect, it} from 'vitest'
import {isImhError} from '../src/protocol/index.js'
import {LISTENERS} from '../reference-server/port-layout.js'
import {spawnReferenceServer} from '../reference-server/process.js'

// The reference server in a process of its own (dist/reference-server/main.js), as imh load starts it.
describe('spawnReferenceServer', () => {
  it('starts main.js with the given limits and stops it', async () => {
    const server = await spawnReferenceServer({limits: {stunPorts: 1, schedulerTtlSeconds: 7}})
    try {
      expect(server.pid).not.toBe(process.pid)
      expect(Object.keys(server.urls)).toEqual(LISTENERS.map((l) => l.name))
      expect(server.groups.relay).toHaveLength(1)
      const answer = (await (await fetch(server.urls.scheduler)).json()) as {ttl: number; groups: {long: string[]}}
      expect(answer.ttl).toBe(7)
      expect(answer.groups.long).toEqual([server.urls.long, server.urls.longTcp])
    } finally {
      await server.close()
    }
    expect(() => process.kill(server.pid, 0)).toThrow()
  })

  it('fails with IMH_ERR_CONNECT_FAILED naming the bad option when main.js refuses it', async () => {
    const err = await spawnReferenceServer({limits: {idleTimeoutMs: 1}}).catch((e: unknown) => e)
    expect(isImhError(err, 'IMH_ERR_CONNECT_FAILED')).toBe(true)
    expect((err as Error).message).toMatch(/exited \(2\) before it was ready: option idleTimeoutMs must be an integer from 100/)
  })
})
