import {fork} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {compiledModule} from '../common/package-root.js'
import {LoadWorker} from './worker.js'
import type {FromWorker, ToWorker} from './worker-protocol.js'

/** The coordinator's view of one worker: messages in both directions, and its end. */
export interface WorkerHandle {
  readonly index: number
  send(m: ToWorker): void
  kill(): void
}

export interface WorkerPoolEvents {
  message: [index: number, m: FromWorker]
  /** A worker ended before sending its final report. */
  lost: [index: number, reason: string]
}

/**
 * Node flags every worker process runs with. Exported so that bench/density.mjs measures a worker
 * as it runs.
 * - A small young generation: V8's default (16 MB semi-spaces, up to 3× that committed) is kept
 *   resident by every worker and is a large part of a worker's RSS when its clients are idle; 2 MB
 *   measured ~15-20 MB less per worker (bench/peers idle job) at no visible CPU cost there.
 * - A fixed old-generation growing factor of 1.3. V8 otherwise lets the old space grow up to 4×
 *   what survived the last full GC before it collects again. A ramp of logins promotes its
 *   garbage (requests in flight over several scavenges) next to the clients it makes, so the
 *   old space reached ~3× the live objects (4000 heartbeat clients: 107 MB of pages for 33 MB
 *   live, 192 MB RSS) and, fragmented, was never given back: a steady load worker allocates too
 *   fast for V8's memory reducer to count it idle. With 1.3: 55 MB of pages, 138 MB RSS. Once the
 *   ramp is over little survives a scavenge, so the more frequent full GCs cost little.
 */
export const WORKER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=30']

/**
 * Environment every worker process gets on top of the coordinator's. glibc gives each thread that
 * mallocs its own arena; a worker's socket reads (64 KB buffers shrunk to the bytes read) spread
 * over V8's and libuv's threads leave every arena fragmented. Two arenas: 275-291 MB against
 * 294 MB at 2k idle connections (quick idle job, noisy machine). A user's own setting wins.
 */
export function workerEnv(): Record<string, string> {
  return {MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2'}
}

/**
 * Starts `count` worker processes (child_process.fork of the compiled worker-main.js), or with
 * count 0 one worker inside this process (tests and debugging: no IPC, same event loop).
 */
export function startWorkers(count: number, events: EventEmitter<WorkerPoolEvents>): WorkerHandle[] {
  if (count === 0) {
    const worker = new LoadWorker((m) => setImmediate(() => events.emit('message', 0, m)))
    return [{index: 0, send: (m) => setImmediate(() => void worker.handle(m)), kill: () => {}}]
  }
  const entry = compiledModule('src/load/worker-main.js')
  const execArgv = [...process.execArgv, ...WORKER_EXEC_ARGV]
  const env = {...process.env, ...workerEnv()}
  return Array.from({length: count}, (_, index) => {
    const child = fork(entry, [], {execArgv, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc']})
    let finished = false
    child.on('message', (m: FromWorker) => {
      if (m.type === 'final') finished = true
      events.emit('message', index, m)
    })
    child.on('exit', (code, signal) => {
      if (!finished) events.emit('lost', index, `worker ${index} exited (${signal ?? code}) before its final report`)
    })
    child.on('error', (err) => events.emit('lost', index, `worker ${index}: ${err.message}`))
    return {
      index,
      send: (m: ToWorker) => {
        if (child.connected) child.send(m)
      },
      kill: () => {
        if (child.exitCode === null) child.kill('SIGKILL')
      },
    }
  })
}
