import type {ExecutorSpec} from '../types.js'
import {constantArrivalRate} from './constant-arrival-rate.js'
import {constantVus} from './constant-vus.js'
import type {ExecutorPlan} from './plan.js'
import {rampingArrivalRate} from './ramping-arrival-rate.js'
import {rampingVus} from './ramping-vus.js'

export {constantArrivalRate} from './constant-arrival-rate.js'
export {constantVus} from './constant-vus.js'
export type {ArrivalPlan, ExecutorPlan, VuPlan} from './plan.js'
export {rampingArrivalRate} from './ramping-arrival-rate.js'
export {rampingVus} from './ramping-vus.js'
export {prepareArrivals, runArrivals, type ArrivalOptions, type PrepareOptions} from './run-arrivals.js'
export {runVus, type RunVusOptions} from './run-vus.js'
export {globalIndex, shardShare, shareCount, type Shard, type Share} from './share.js'
export type {VirtualUser, VuFactory} from './virtual-user.js'
export {VuPool} from './vu-pool.js'

/** The schedule an executor spec describes. */
export function planFor(spec: ExecutorSpec): ExecutorPlan {
  switch (spec.executor) {
    case 'constant-vus':
      return constantVus(spec)
    case 'ramping-vus':
      return rampingVus(spec)
    case 'constant-arrival-rate':
      return constantArrivalRate(spec)
    case 'ramping-arrival-rate':
      return rampingArrivalRate(spec)
  }
}
