import type {ChildProcess} from 'node:child_process'
import {type AddressInfo, type Socket, createServer} from 'node:net'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {spawn, execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {type NamespaceSet, createNamespaces, leftovers, probeNetns, sweepStale} from './support/netns.js'

const netnsUp = (await probeNetns()).available

// A client in a namespace: connects to HOST:PORT, prints the outcome as JSON, exits.
const CLIENT = `const s=require('net').connect(+process.argv[2],process.argv[1]);
s.on('connect',()=>{console.log(JSON.stringify({ok:true,local:s.localAddress}));s.end('hi')});
s.on('error',(e)=>{console.log(JSON.stringify({ok:false,code:e.code}));process.exit(0)})`

function output(child: ChildProcess): Promise<{ok: boolean; local?: string; code?: string}> {
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}: ${out}`))))
  })
}

async function listener(host: string): Promise<{port: number; peers: string[]; close(): Promise<void>}> {
  const peers: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((s) => {
    peers.push(s.remoteAddress!)
    sockets.add(s)
    s.resume().on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()))
  return {
    port: (server.address() as AddressInfo).port,
    peers,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

const run = (set: NamespaceSet, i: number, host: string, port: number) =>
  output(set.namespaces[i]!.exec(process.execPath, ['-e', CLIENT, host, String(port)], {stdio: ['ignore', 'pipe', 'inherit']}))

describe('test/support/netns', () => {
  let set: NamespaceSet | undefined
  afterEach(async () => {
    await set?.cleanup()
    set = undefined
  })

  it('a process in a namespace reaches a listener on its host-side address, and every namespace reaches the hub; cleanup leaves nothing', async () => {
    const probed = await probeNetns()
    set = await createNamespaces(3)
    expect(set.namespaced).toBe(probed.available)
    const [a, b, c] = set.namespaces
    expect(new Set(set.namespaces.map((n) => n.address)).size).toBe(3)
    const own = await listener(b!.hostAddress)
    const hub = await listener(set.hubAddress)
    try {
      const viaOwn = await run(set, 1, b!.hostAddress, own.port)
      expect(viaOwn.ok).toBe(true)
      expect(await run(set, 2, set.hubAddress, hub.port)).toMatchObject({ok: true})
      expect(await run(set, 0, set.hubAddress, hub.port)).toMatchObject({ok: true})
      if (set.namespaced) {
        // The connection came from inside: the namespace's own address, not loopback.
        expect(viaOwn.local).toBe(b!.address)
        expect(own.peers).toEqual([b!.address])
        expect(hub.peers.sort()).toEqual([a!.address, c!.address].sort())
        // Nothing outside the block is routed (TEST-NET-3 address).
        expect(await run(set, 0, '203.0.113.1', 9)).toEqual({ok: false, code: 'ENETUNREACH'})
        expect(leftovers().namespaces).toHaveLength(3)
        expect(leftovers().links).toHaveLength(3)
      }
    } finally {
      await own.close()
      await hub.close()
    }
    // A process still running inside is killed by the cleanup, and does not keep the namespace alive.
    const sleeper = set.namespaces[0]!.exec(process.execPath, ['-e', 'setTimeout(()=>{},60000)'], {stdio: 'ignore'})
    const gone = new Promise((resolve) => sleeper.once('exit', resolve))
    await new Promise((r) => setTimeout(r, 200))
    await set.cleanup()
    await gone
    expect(leftovers()).toEqual({namespaces: [], links: []})
  })

  it('two sets at once get different blocks and names', async () => {
    set = await createNamespaces(1)
    const other = await createNamespaces(1)
    try {
      if (set.namespaced) {
        expect(other.hubAddress).not.toBe(set.hubAddress)
        expect(other.namespaces[0]!.name).not.toBe(set.namespaces[0]!.name)
        for (const n of [...set.namespaces, ...other.namespaces]) expect(n.name).toContain(`-${process.pid}-`)
      }
    } finally {
      await other.cleanup()
    }
  })

  it('falls back to processes on loopback and says so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      set = await createNamespaces(2, {fallback: true})
      expect(warn.mock.calls.flat().join(' ')).toMatch(/NETWORK NAMESPACES UNAVAILABLE: .*FALLING BACK/)
    } finally {
      warn.mockRestore()
    }
    expect(set.namespaced).toBe(false)
    expect(set.namespaces.map((n) => n.address)).toEqual(['127.0.0.2', '127.0.0.3'])
    const hub = await listener(set.hubAddress)
    try {
      expect(await run(set, 1, set.hubAddress, hub.port)).toMatchObject({ok: true})
    } finally {
      await hub.close()
    }
  })

  it.runIf(netnsUp)('sweeps what a killed process left: its namespaces, veths and block lock', async () => {
    // What a test worker SIGKILLed mid-test leaves, made by hand under a pid that then dies.
    const dead = spawn('sleep', ['30'])
    const pid = dead.pid!
    const ns = `imh-${pid}-9-0`
    const link = `imh${pid.toString(36)}-9-0`
    const lock = join(tmpdir(), 'imh-netns-blocks', 'sweep-test')
    execFileSync('ip', ['netns', 'add', ns])
    execFileSync('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
    mkdirSync(lock, {recursive: true})
    writeFileSync(join(lock, 'pid'), String(pid))
    dead.kill('SIGKILL')
    await new Promise((r) => dead.once('exit', r))
    expect(leftovers(pid)).toEqual({namespaces: [ns], links: [link]})
    sweepStale()
    expect(leftovers(pid)).toEqual({namespaces: [], links: []})
    expect(existsSync(lock)).toBe(false)
  })
})
