import {defineServerFlow} from '../flow.js'
import type {LongService} from '../long/long-service.js'
import {GEO_STORE} from './geo-slot.js'
import {type NearbyOptions, NearbyService} from './nearby-service.js'

/** Nearby people (PROTOCOL.md §12): LBS_REPORT and NEARBY on the long link. */
export const nearbyFlow = defineServerFlow({
  name: 'nearby',
  limits: [],
  stores: [GEO_STORE],
  needs: {groups: ['media']},
  options: (ctx): NearbyOptions => ({store: ctx.store, geo: ctx.storeOf(GEO_STORE), positionTtlMs: ctx.limits.positionTtlMs, mediaBase: ctx.base('media')}),
  create: (options): LongService => new NearbyService(options),
  long: (service) => service,
})
