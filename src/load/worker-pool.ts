import {fork} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {entryModule} from '../common/package-root.js'
import {LoadWorker} from './worker.js'
import type {FromWorker, ToWorker} from './worker-protocol.js'
import type {Share} from './executors/share.js'
import type {AgentSummary} from './types.js'

/** The coordinator's view of one worker: messages in both directions, and its end. */
export interface WorkerHandle {
  readonly index: number
  /** Its part of the run, told in its init (src/load/executors/share.ts). */
  readonly share: Share
  /** Who runs it, for notes: "worker 3", or "agent ns-1 worker 0" in a distributed run. */
  readonly label: string
  send(m: ToWorker): void
  kill(): void
}

/** The workers of one run: forked on this machine ({@link startWorkers}) or on agents (src/load/distributed). */
export interface WorkerPool {
  readonly handles: readonly WorkerHandle[]
  /** Sends `m` to every worker but `except` in one message, when the transport can (agents). */
  broadcast?(m: ToWorker, except?: number): void
  /** Called once the run is over, after every handle's kill(). */
  close?(): Promise<void>
  /** The agents that ran the run, for its meta (distributed runs only). */
  agents?(): AgentSummary[]
}

/** How a run gets its workers: the local pool by default, agents with `imh load --distributed`. */
export type WorkerPoolFactory = (events: EventEmitter<WorkerPoolEvents>, vusPerWorker: number) => Promise<WorkerPool>

export interface WorkerPoolEvents {
  message: [index: number, m: FromWorker]
  /** A worker ended before sending its final report. */
  lost: [index: number, reason: string]
  /** An agent died or stopped reporting: its workers (`indices`) will send nothing more. */
  'agent-lost': [agent: string, indices: number[], reason: string]
}

/**
 * Node flags of a worker holding many VUs ({@link workerExecArgv}): a heap kept small for idle
 * connections. Exported so that bench/density.mjs measures a worker as it runs.
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
 * - WebAssembly compiled by the baseline compiler only (--liftoff-only). undici's HTTP parser
 *   (llhttp, WebAssembly) parses every login's answers; during a ramp V8 recompiles it with its
 *   optimising compiler on background threads, and in about 4 runs in 10 that left glibc ~30 MB
 *   of freed but unreturned memory, at any client count: bench:density's slope for chat swung
 *   between 7 and 18 KB per client on the same code. With the flag, 0 of 12 such runs; chat 9.2 KB
 *   and heartbeat 9.0 KB per client, the fit within ±0.5 MB (bench/results/density-liftoff.json).
 *   These workers hold idle clients; HTTP parsing speed matters little to them, and busy small
 *   runs (up to SMALL_YOUNG_GENERATION_FROM_VUS) keep V8's defaults.
 */
export const WORKER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=30', '--liftoff-only']

/**
 * Up to this many VUs per worker, workers keep V8's default heap sizing instead. Its bytes are RSS
 * that idle clients do not need (above), but a few busy ones allocate at a high rate: 64
 * VUs requesting HTTP back to back spent 14% of the worker's CPU in scavenges with 2 MB
 * semi-spaces (the bench:peers http job's worker, --cpu-prof), about half that with V8's 16 MB.
 * Past this count the clients' own bytes outweigh the young generation's ~40 MB, and the many idle
 * connections of a density run are what a worker holds.
 */
export const SMALL_YOUNG_GENERATION_FROM_VUS = 1000

/** The Node flags of a worker that will hold at most `vusPerWorker` VUs at once. */
export function workerExecArgv(vusPerWorker: number): readonly string[] {
  return vusPerWorker > SMALL_YOUNG_GENERATION_FROM_VUS ? WORKER_EXEC_ARGV : []
}

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
 * Starts `count` worker processes (child_process.fork of worker-main, bundled: {@link entryModule}), or with
 * count 0 one worker inside this process (tests and debugging: no IPC, same event loop).
 * `vusPerWorker` (the most VUs one worker holds at once) picks their flags: {@link workerExecArgv}.
 */
export function startWorkers(count: number, events: EventEmitter<WorkerPoolEvents>, vusPerWorker = Infinity, shareOf: (index: number) => Share = (index) => ({worker: index, workers: Math.max(1, count)})): WorkerHandle[] {
  if (count === 0) {
    const worker = new LoadWorker((m) => setImmediate(() => events.emit('message', 0, m)))
    return [{index: 0, share: shareOf(0), label: 'worker 0', send: (m) => setImmediate(() => void worker.handle(m)), kill: () => {}}]
  }
  const entry = entryModule('worker-main', 'src/load/worker-main.js')
  const execArgv = [...process.execArgv, ...workerExecArgv(vusPerWorker)]
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
      share: shareOf(index),
      label: `worker ${index}`,
      send: (m: ToWorker) => {
        if (child.connected) child.send(m)
      },
      kill: () => {
        // A worker that sent its final report exits by itself once the send completes (or when
        // this process goes); killing it too would cut short what it writes on exit (--cpu-prof).
        if (child.exitCode === null && !finished) child.kill('SIGKILL')
      },
    }
  })
}
