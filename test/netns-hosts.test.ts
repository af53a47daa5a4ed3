import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {finished} from './support/netns.js'
import {useNamespacedHosts} from './support/netns-agents.js'
import {redisTests, startRedis, warnIfNoRedis} from './support/redis.js'
import {BIN} from './support/run-cli.js'

warnIfNoRedis('test/netns-hosts.test.ts')

// Redis and the reference server on the host side of a namespace set: what the distributed tests
// stand on. The server binds the hub address and, by default, advertises what it binds
// (ReferenceServerOptions.host/publicHost), so its scheduler's answer is reachable from every namespace.
describe.runIf(redisTests)('Redis and the target server reached from inside namespaces', () => {
  const hosts = useNamespacedHosts(2)

  it('startRedis({bind}) listens on each address and names the first in its URL; the default is unchanged', async () => {
    const {set, redis} = hosts
    expect(redis.url).toBe(`redis://${set.hubAddress}:${redis.port}`)
    const other = await startRedis()
    try {
      expect(other.url).toBe(`redis://127.0.0.1:${other.port}`)
    } finally {
      await other.stop()
    }
    const ping = `const s=require('net').connect(+process.argv[2],process.argv[1]);s.on('connect',()=>s.write('PING\\r\\n'));
      s.on('data',(d)=>{console.log(String(d).trim());s.destroy()});s.on('error',(e)=>console.log(e.code))`
    for (const ns of set.namespaces) {
      const r = await finished(ns.exec(process.execPath, ['-e', ping, set.hubAddress, String(redis.port)], {stdio: ['ignore', 'pipe', 'pipe']}), 10_000)
      expect(r.stdout.trim()).toBe('+PONG')
    }
  })

  it("the scheduler's answer names the hub address, and imh load inside a namespace runs against it", async () => {
    const {set, server, dir} = hosts
    const host = new URL(server.urls.scheduler).hostname
    expect(host).toBe(set.hubAddress)
    for (const urls of Object.values(server.groups)) for (const u of urls) expect(new URL(u).hostname).toBe(set.hubAddress)
    const out = join(dir, 'r.json')
    const args = [BIN, 'load', 'smoke', '--target', server.urls.scheduler, '--clients', '4', '--duration', '2s', '--workers', '0', '--quiet', '--out', out]
    const r = await finished(set.namespaces[1]!.exec(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}}), 60_000)
    expect(r.code, r.stderr + r.stdout).toBe(0)
    const results = JSON.parse(readFileSync(out, 'utf8'))
    expect(JSON.stringify(results)).toMatch(/sync_latency/)
  })
})
