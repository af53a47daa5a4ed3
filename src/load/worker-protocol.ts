import type {Shard} from './executors/share.js'
import type {LoadUrls} from './scenarios/context.js'
import type {MetricsDelta, Profile} from './types.js'

/** What the coordinator tells a worker, in this order: init, (directory…), start, stop?, finish. */
export type ToWorker =
  /** `worker`/`workers`: the worker's Share of the run (shardShare); `shard`: the offline shard the run is, if any. */
  | {type: 'init'; worker: number; workers: number; shard?: Shard; runId: string; profile: Profile; urls: LoadUrls; tls: {ca?: string; rejectUnauthorized?: boolean}}
  /** Begin at this shared-clock time (every worker starts its schedule at the same moment). */
  | {type: 'start'; startAtMs: number}
  | {type: 'directory'; entries: Array<[string, string]>}
  /** End the schedule now (a threshold with abortOnFail failed, or the user interrupted). */
  | {type: 'stop'}
  /** The drain is over: close every client and send the final report. */
  | {type: 'finish'}

export type FromWorker =
  /** Pools of open-model scenarios are connected; ready to start. */
  | {type: 'ready'}
  | {type: 'directory'; entries: Array<[string, string]>}
  /** Metrics since the previous delta; `atMs` on the shared clock. */
  | {type: 'delta'; atMs: number; delta: MetricsDelta; vus: number; lagMs: number}
  /** Every scenario's schedule ended; clients stay connected for the drain. */
  | {type: 'sending-done'}
  /** `reports`: the worker's tallies of joined counters, by counter name (Tallies.reports). */
  | {type: 'final'; delta: MetricsDelta; reports: Record<string, unknown>; lagMs: number}
  | {type: 'failed'; code: string; message: string}
