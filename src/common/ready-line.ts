import {type ChildProcess, type SpawnOptions, spawn} from 'node:child_process'
import {createInterface} from 'node:readline'

/** A child process that printed its `{"event":"ready",…}` JSON line. */
export interface ReadyChild<T> {
  child: ChildProcess
  /** The ready line, parsed. */
  ready: T
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves when the child has exited. */
  close(killAfterMs?: number): Promise<void>
}

/** Why a child did not get ready: it exited, or it was too slow. The last of its stderr is kept. */
export class ReadyLineError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message)
  }
}

/** Starts `command args` with `options` (child_process.spawn's signature): what spawnReady runs the script with. */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess

/**
 * Spawns `node <script> …args` and resolves once it prints one JSON line whose `event` is
 * "ready" on stdout. One helper for every place that starts a server in a process of its own (the
 * load command's embedded server, tests and benchmarks), so each does not parse lines its own way.
 * `spawn` starts it another way, e.g. inside a network namespace (test/support/netns.ts); default
 * child_process.spawn.
 */
export async function spawnReady<T extends {event: string}>(script: string, args: string[], o: {timeoutMs?: number; what?: string; env?: NodeJS.ProcessEnv; spawn?: Spawner} = {}): Promise<ReadyChild<T>> {
  const what = o.what ?? script
  const timeoutMs = o.timeoutMs ?? 20_000
  const child = (o.spawn ?? spawn)(process.execPath, [script, ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env})
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new ReadyLineError(`${what} did not get ready within ${timeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`, stderr))
    }, timeoutMs)
    const lines = createInterface({input: child.stdout!})
    lines.on('line', (line) => {
      let msg: unknown
      try {
        msg = JSON.parse(line)
      } catch {
        return // not a JSON line
      }
      if ((msg as {event?: unknown} | null)?.event === 'ready') {
        clearTimeout(timer)
        resolve(msg as T)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new ReadyLineError(`${what} exited (${code}) before it was ready${stderr ? `: ${stderr.trim()}` : ''}`, stderr))
    })
  })
  return {
    child,
    ready,
    async close(killAfterMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      await exited
      clearTimeout(timer)
    },
  }
}
