import {defineServerFlow} from '../flow.js'
import type {LongService} from '../long/long-service.js'
import {SHAKE_WINDOWS} from './shake-board.js'
import {type ShakeOptions, ShakeService} from './shake-service.js'

/** Shake (PROTOCOL.md §13): SHAKE on the long link, SHAKE_MATCH when the window closes. */
export const shakeFlow = defineServerFlow({
  name: 'shake',
  limits: [],
  stores: [SHAKE_WINDOWS],
  needs: {groups: ['media']},
  options: (ctx): ShakeOptions => ({store: ctx.store, windowMs: ctx.limits.shakeWindowMs, mediaBase: ctx.base('media'), board: ctx.storeOf(SHAKE_WINDOWS).board, links: ctx.links}),
  create: (options): LongService => new ShakeService(options),
  long: (service) => service,
})
