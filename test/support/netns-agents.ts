import {type ReadyChild, spawnReady} from '../../src/common/ready-line.js'
import {type NamespaceSet, createNamespaces} from './netns.js'
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
  /** SIGTERM to each (SIGKILL after `graceMs`); resolves to each one's exit code; then the namespaces go (when made here). */
  stop(graceMs?: number): Promise<Array<number | null>>
}

export interface NamespacedAgentOptions {
  /** Namespaces to use (one per agent, at least `n`); default: made here, and removed by `stop`. */
  set?: NamespaceSet
  redisPrefix?: string
  /** Worker processes per agent; default 1 (the tests' machine is small). */
  workers?: number
  /** Agent names: `ns-0`, `ns-1`, … by default. */
  name?: (i: number) => string
  /** How long each may take to print its ready line; default 30 s. */
  readyMs?: number
}

/**
 * Starts `imh agent --redis URL --name ns-i` in each of `n` namespaces (test/support/netns.ts; plain
 * processes in its fallback) and waits for every ready line. `redisUrl` must be reachable from
 * inside: start Redis with `bind: [set.hubAddress, …]` and pass `set`.
 */
export async function startNamespacedAgents(n: number, redisUrl: string, options: NamespacedAgentOptions = {}): Promise<NamespacedAgents> {
  const own = options.set === undefined
  const set = options.set ?? (await createNamespaces(n))
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
    if (own) await set.cleanup()
    return agents.map((a) => a.child.exitCode)
  }
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) {
    await stop(2000)
    throw failed.reason
  }
  return {set, agents, stop}
}
