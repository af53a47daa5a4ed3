import type {FromWorker, ToWorker} from '../worker-protocol.js'

/** A run for one agent, on its jobs stream. */
export interface AgentJob {
  run: string
  /** This agent's part: agent `index` of `count`; its local worker k gets shardShare(shard, k, workers). */
  shard: {index: number; count: number}
  /** The run-wide index of its first worker; its others follow. */
  offset: number
  workers: number
  /** The peak VUs of the whole run (every scenario's summed): sets its workers' heap flags. */
  vusTotal: number
}

/**
 * Coordinator → workers, on the run's down stream: to one worker by run-wide index, or to all but
 * `except`; `end` tells agents the run is over. `start` carries its time on Redis's clock.
 */
export type DownMessage = {to: number | 'all'; except?: number; m: ToWorker} | {end: true}

/** Workers → coordinator, on the run's up stream; `delta` times are on Redis's clock. */
export type UpMessage = {from: number; m: FromWorker} | {from: number; lost: string}
