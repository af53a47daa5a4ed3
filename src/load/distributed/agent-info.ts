import {readFileSync} from 'node:fs'
import {availableParallelism, freemem, hostname} from 'node:os'
import {packageVersion} from '../../common/package-root.js'

/** What an agent says of itself in Redis: enough for a coordinator to choose and split over agents. */
export interface AgentInfo {
  id: string
  host: string
  pid: number
  cores: number
  /** Worker processes it forks for a run (each holds at most the per-process open-files limit of connections). */
  workers: number
  freeMemoryMb: number
  /** The soft open-files limit of its processes: the most connections one worker can hold. */
  fileLimit: number
  version: string
  startedAt: string
  /** `idle`, or the run it is running. */
  state: string
}

/** The soft `Max open files` of this process (Linux /proc), or 0 when it cannot be read. */
export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    return soft === undefined || soft === 'unlimited' ? 0 : Number(soft)
  } catch {
    return 0
  }
}

/** This process's facts as an agent named `id` that forks `workers` workers. */
export function agentInfo(id: string, workers: number, startedAt: Date): AgentInfo {
  return {
    id, host: hostname(), pid: process.pid, cores: availableParallelism(), workers, freeMemoryMb: Math.round(freemem() / 2 ** 20),
    fileLimit: openFilesLimit(), version: packageVersion(), startedAt: startedAt.toISOString(), state: 'idle',
  }
}

/** A hash read back from Redis (every value a string) as AgentInfo; undefined when it is gone or not an agent's. */
export function parseAgentInfo(h: Record<string, string>): AgentInfo | undefined {
  if (!h.id || !h.workers) return undefined
  const n = (k: string): number => Number(h[k] ?? 0)
  return {
    id: h.id, host: h.host ?? '', pid: n('pid'), cores: n('cores'), workers: n('workers'), freeMemoryMb: n('freeMemoryMb'),
    fileLimit: n('fileLimit'), version: h.version ?? '', startedAt: h.startedAt ?? '', state: h.state ?? 'idle',
  }
}
