import {defineServerFlow} from '../flow.js'
import {BOTTLE_STORE} from './bottle-slot.js'
import {type BottleOptions, BottleService} from './bottle-service.js'

/** Drift bottle (PROTOCOL.md §14): throw, pick and reply on the long link. */
export const bottleFlow = defineServerFlow({
  name: 'bottle',
  limits: [],
  stores: [BOTTLE_STORE],
  options: (ctx): BottleOptions => ({store: ctx.store, bottles: ctx.storeOf(BOTTLE_STORE)}),
  create: (options) => new BottleService(options),
  long: (service) => service,
})
