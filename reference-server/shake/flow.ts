import {defineServerFlow} from '../flow.js'
import type {LongService} from '../long/long-service.js'
import {type ShakeOptions, ShakeService} from './shake-service.js'

/** Shake (PROTOCOL.md §13): SHAKE on the long link, SHAKE_MATCH when the window closes. */
export const shakeFlow = defineServerFlow({
  name: 'shake',
  limits: [],
  needs: {groups: ['media']},
  options: (ctx): ShakeOptions => ({store: ctx.store, windowMs: ctx.limits.shakeWindowMs, mediaBase: ctx.base('media')}),
  create: (options): LongService => new ShakeService(options),
  long: (service) => service,
})
