import {GROUPS, SCHEDULER_PATH} from '../../src/protocol/index.js'
import {defineServerFlow} from '../flow.js'
import type {HttpRoute} from '../http/route.js'
import {SHARED_STORE} from '../store/memory-store.js'
import {CORE_LIMIT_SPECS} from './limits.js'
import {type SchedulerOptions, schedulerRoute} from './scheduler.js'
import {type CoreShortOptions, coreShortRoutes} from './short-routes.js'

export type CoreOptions = SchedulerOptions & CoreShortOptions

/** Core's HTTP routes: the scheduler's answer and the short link's session routes. */
export interface CoreService {
  scheduler: HttpRoute[]
  short: HttpRoute[]
}

/**
 * Core (PROTOCOL.md §2–§6): the scheduler, the short link's session routes, and the long link,
 * whose framing, session and SYNC chat every other flow's long-link commands ride on.
 */
export const coreFlow = defineServerFlow({
  name: 'core',
  limits: CORE_LIMIT_SPECS,
  stores: [SHARED_STORE],
  needs: {groups: GROUPS},
  listeners: [
    {name: 'scheduler', kind: 'http', path: SCHEDULER_PATH},
    {name: 'short', kind: 'http'},
    {name: 'long', kind: 'long', path: '/long'},
    // Bound after the WebSocket port, so the long group lists ws:// first (PROTOCOL.md §2.2).
    {name: 'longTcp', kind: 'long-stream', group: 'long'},
  ],
  options: (ctx): CoreOptions => {
    return {
      store: ctx.store,
      limits: ctx.limits,
      members: ctx.members,
      mediaBase: ctx.base('media'),
      features: ctx.features,
    }
  },
  create: (o): CoreService => ({scheduler: [schedulerRoute(o)], short: coreShortRoutes(o)}),
  routes: (service) => service,
})
