import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll} from 'vitest'
import {type ReferenceServer, startReferenceServer} from '../../reference-server/index.js'
import {type ReadyChild, spawnReady} from '../../src/common/ready-line.js'
import {type NamespaceSet, createNamespaces} from './netns.js'
import {type TestRedis, startRedis} from './redis.js'
import {BIN} from './run-cli.js'

/** `imh agent`'s ready line (commands/agent.ts). */
export interface NamespacedAgentReady {
  event: 'ready'
  role: 'agent'
  id: string
  host: string
  workers: number
}

export interface NamespacedAgents {
  set: NamespaceSet
  /** Agent i runs in namespace i; `ready.id` is its name. */
  agents: Array<ReadyChild<NamespacedAgentReady>>
  /** SIGTERM to each (SIGKILL after `graceMs`); resolves to each one's exit code. The namespaces stay (the caller's). */
  stop(graceMs?: number): Promise<Array<number | null>>
}

export interface NamespacedAgentOptions {
  /**
   * The namespaces (one per agent, at least `n`). Required: `redisUrl` must be on their hub address,
   * which exists only once they do (a namespace's 127.0.0.1 is its own); `useNamespacedHosts` makes both.
   */
  set: NamespaceSet
  redisPrefix?: string
  /** Worker processes per agent; default 1 (the tests' machine is small). */
  workers?: number
  /** Agent names: `ns-0`, `ns-1`, … by default. */
  name?: (i: number) => string
  /** How long each may take to print its ready line; default 30 s. */
  readyMs?: number
}

/**
 * Starts `imh agent --redis URL --name ns-i` in each of the first `n` namespaces of `options.set`
 * (test/support/netns.ts; plain processes in its fallback) and waits for every ready line.
 * `redisUrl` must be reachable from inside: Redis bound to `set.hubAddress` (useNamespacedHosts).
 */
export async function startNamespacedAgents(n: number, redisUrl: string, options: NamespacedAgentOptions): Promise<NamespacedAgents> {
  const {set} = options
  if (set.namespaces.length < n) throw new Error(`startNamespacedAgents: ${n} agents need ${n} namespaces, the set has ${set.namespaces.length}`)
  const starting = Array.from({length: n}, (_, i) => {
    const name = options.name?.(i) ?? `ns-${i}`
    const args = ['agent', '--redis', redisUrl, '--name', name, '--workers', String(options.workers ?? 1)]
    if (options.redisPrefix !== undefined) args.push('--redis-prefix', options.redisPrefix)
    const ns = set.namespaces[i]!
    return spawnReady<NamespacedAgentReady>(BIN, args, {what: `imh agent ${name} in ${ns.name}`, timeoutMs: options.readyMs ?? 30_000, spawn: (command, a, o) => ns.exec(command, a, o)})
  })
  const settled = await Promise.allSettled(starting)
  const agents = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async (graceMs = 10_000): Promise<Array<number | null>> => {
    await Promise.all(agents.map((a) => a.close(graceMs)))
    return agents.map((a) => a.child.exitCode)
  }
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await stop(2000)
    throw failed.reason
  }
  return {set, agents, stop}
}

/** What a distributed test stands on: namespaces, and on their hub address Redis and a reference server; a scratch directory. */
export interface NamespacedHosts {
  set: NamespaceSet
  redis: TestRedis
  server: ReferenceServer
  dir: string
}

/**
 * In a describe block: `n` namespaces (test/support/netns.ts), Redis and a reference server (core
 * flow, cheap password hashing) bound to their hub address, reachable from every namespace and
 * from this process, and a scratch directory; made before the first test, removed after the last.
 */
export function useNamespacedHosts(n: number): NamespacedHosts {
  const hosts = {} as NamespacedHosts
  beforeAll(async () => {
    hosts.set = await createNamespaces(n)
    hosts.redis = await startRedis({bind: [hosts.set.hubAddress, '127.0.0.1']})
    hosts.server = await startReferenceServer({host: hosts.set.hubAddress, flows: ['core'], limits: {passwordCost: 4}})
    hosts.dir = mkdtempSync(join(tmpdir(), 'imh-netns-hosts-'))
  })
  afterAll(async () => {
    await hosts.server?.close()
    await hosts.redis?.stop()
    await hosts.set?.cleanup()
    if (hosts.dir) rmSync(hosts.dir, {recursive: true, force: true})
  })
  return hosts
}
