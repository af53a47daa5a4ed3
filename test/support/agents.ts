import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'
import {type ReadyChild, spawnReady} from '../../src/common/ready-line.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface AgentReady {
  event: 'ready'
  role: 'agent'
  id: string
  host: string
  workers: number
}

/** An `imh agent` process; `lines` collects its later JSON lines (job-start, job-end). */
export interface TestAgent extends ReadyChild<AgentReady> {
  readonly lines: Array<Record<string, unknown>>
}

/** Starts `imh agent --redis url --name id …` as a process of its own and waits for its ready line. */
export async function startAgent(url: string, id: string, o: {workers?: number; prefix?: string} = {}): Promise<TestAgent> {
  const args = ['agent', '--redis', url, '--name', id, '--workers', String(o.workers ?? 1), ...(o.prefix ? ['--redis-prefix', o.prefix] : [])]
  const agent = await spawnReady<AgentReady>(BIN, args, {what: `imh agent ${id}`, timeoutMs: 30_000})
  const lines: Array<Record<string, unknown>> = []
  createInterface({input: agent.child.stdout!}).on('line', (l) => {
    if (l.startsWith('{')) lines.push(JSON.parse(l) as Record<string, unknown>)
  })
  return Object.assign(agent, {lines})
}
