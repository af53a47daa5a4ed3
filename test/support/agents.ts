import type {ChildProcess} from 'node:child_process'
import {BIN} from './run-cli.js'
import {type NamespaceSet, createNamespaces} from './netns.js'

/** One `imh agent` process, in a namespace of its own (or a plain process in the fallback). */
export interface NamespacedAgent {
  name: string
  child: ChildProcess
  /** The agent's ready line, parsed: {"event":"ready","role":"agent","id":NAME,…}. */
  ready: Record<string, unknown>
  /** What it printed on stderr so far (for failure messages). */
  readonly stderr: string
}

export interface NamespacedAgents {
  set: NamespaceSet
  agents: NamespacedAgent[]
  /** SIGTERM to each (SIGKILL after `graceMs`); resolves to each one's exit code; then the namespaces go (when made here). */
  stop(graceMs?: number): Promise<Array<number | null>>
}

export interface AgentOptions {
  /** Namespaces to use (one per agent, at least `n`); default: made here, and removed by `stop`. */
  set?: NamespaceSet
  redisPrefix?: string
  workers?: number
  /** Agent names: `ns-0`, `ns-1`, … by default. */
  name?: (i: number) => string
  /** How long each may take to print its ready line; default 30 s (a busy machine builds nothing, but node starts slowly). */
  readyMs?: number
  /** More arguments for `imh agent`. */
  args?: readonly string[]
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/**
 * An agent's ready line: {"event":"ready","role":"agent",…} (commands/agent.ts); s7-plan.md had
 * announced {"event":"agent-ready",…}, also taken.
 */
export const isAgentReady = (m: Record<string, unknown> | undefined): boolean => m?.event === 'agent-ready' || (m?.event === 'ready' && m.role === 'agent')

/** Waits for the child's agent ready line on stdout; rejects if it exits or stays silent for `ms`. */
function readyLine(name: string, child: ChildProcess, stderr: () => string, ms: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      reject(new Error(`agent ${name} ${why}; stderr: ${stderr().trim().split('\n').slice(-5).join(' | ')}`))
    }
    const timer = setTimeout(() => fail(`printed no ready line in ${ms} ms`), ms)
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString()
      for (const line of buffered.split('\n').slice(0, -1)) {
        let parsed: Record<string, unknown> | undefined
        try {
          parsed = JSON.parse(line) as Record<string, unknown>
        } catch {}
        if (isAgentReady(parsed)) {
          clearTimeout(timer)
          child.stdout!.off('data', onData)
          child.stdout!.resume()
          resolve(parsed!)
          return
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1)
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before its ready line`))
    child.once('error', (err) => fail(`could not start: ${err.message}`))
  })
}

/**
 * Starts `imh agent --redis URL --name ns-i` in each of `n` namespaces (test/support/netns.ts; plain
 * processes in its fallback) and waits for every ready line. `redisUrl` must be reachable from
 * inside: start Redis with `bind: [set.hubAddress]` and pass `set`.
 */
export async function startNamespacedAgents(n: number, redisUrl: string, options: AgentOptions = {}): Promise<NamespacedAgents> {
  const own = options.set === undefined
  const set = options.set ?? (await createNamespaces(n))
  if (set.namespaces.length < n) throw new Error(`startNamespacedAgents: ${n} agents need ${n} namespaces, the set has ${set.namespaces.length}`)
  const started: Array<{name: string; child: ChildProcess; err: {text: string}}> = []
  const stop = async (graceMs = 10_000): Promise<Array<number | null>> => {
    const codes = await Promise.all(started.map(async ({child}) => {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      const code = await exited(child)
      clearTimeout(timer)
      return code
    }))
    if (own) await set.cleanup()
    return codes
  }
  try {
    for (let i = 0; i < n; i++) {
      const name = options.name?.(i) ?? `ns-${i}`
      const args = [BIN, 'agent', '--redis', redisUrl, '--name', name]
      if (options.redisPrefix !== undefined) args.push('--redis-prefix', options.redisPrefix)
      if (options.workers !== undefined) args.push('--workers', String(options.workers))
      args.push(...(options.args ?? []))
      const child = set.namespaces[i]!.exec(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
      const err = {text: ''}
      child.stderr!.on('data', (d) => (err.text += d))
      started.push({name, child, err})
    }
    const readies = await Promise.all(started.map(({name, child, err}) => readyLine(name, child, () => err.text, options.readyMs ?? 30_000)))
    const agents = started.map(({name, child, err}, i): NamespacedAgent => ({
      name, child, ready: readies[i]!,
      get stderr() {
        return err.text
      },
    }))
    return {set, agents, stop}
  } catch (error) {
    await stop(2000)
    throw error
  }
}
